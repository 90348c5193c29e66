import autocannon from 'autocannon';

// The load generator of bench/api-load.ts, in a process of its own so that it does not share the
// API's event loop: reads {url, connections, durationSeconds, targets} on stdin, cycles through
// the targets (a path and the token of whoever may read it), prints autocannon's result as JSON.

interface Plan {
  url: string;
  connections: number;
  durationSeconds: number;
  targets: { path: string; token: string }[];
}

async function main() {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Plan;
  let next = 0;
  const result = await autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: plan.durationSeconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const target = plan.targets[next++ % plan.targets.length]!;
          return { ...request, path: target.path, headers: { ...request.headers, authorization: `Bearer ${target.token}` } };
        },
      },
    ],
  });
  process.stdout.write(JSON.stringify({ requests: result.requests, latency: result.latency, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, total: result.requests.total, statusCodeStats: result.statusCodeStats }));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
