import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { type KycCloudEvent } from '../../domain/events';

// A real HTTP endpoint standing in for a webhook subscriber: it records every request (headers,
// raw body) and answers with whatever status the test chooses, request by request.

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  event: KycCloudEvent;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The status to answer the next request with (default 200). */
  respond(status: (request: { event: KycCloudEvent; count: number }) => number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let answer: (request: { event: KycCloudEvent; count: number }) => number = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as KycCloudEvent;
      const status = answer({ event, count: received.filter((r) => r.event.id === event.id).length + 1 });
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      received.push({ headers, body, event, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    respond(fn) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
