import { listeningPorts, loadStackSettings, stackLayout } from './layout';
import { takenPorts } from './readiness';

/**
 * A block of ports nobody listens on for a throwaway stack (a test's, the chaos run's): the stack
 * refuses to start on a taken one. Below Linux's range for outgoing connections, so none of them is
 * taken by a client while the stack starts.
 */
export async function freeStackPortBase(attempts = 30): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 1_200) * 10;
    const layout = stackLayout(loadStackSettings({ KYC_STACK_PORT_BASE: String(base) }));
    if ((await takenPorts(layout.host, listeningPorts(layout))).length === 0) return base;
  }
  throw new Error('no free block of ports for the stack');
}
