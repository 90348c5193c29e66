import { parentPort } from 'node:worker_threads';
import { generateSpecimen, type SpecimenOptions } from '../document-check/specimens';

// The thread that draws the simulator's document images (simulator/media.ts): a few hundred
// milliseconds of CPU each, which on the simulator's own thread would stall every request of the
// process hosting it (in tests and `npm start`, our API and worker too).

parentPort!.on('message', (job: { id: number; options: SpecimenOptions }) => {
  generateSpecimen(job.options).then(
    (specimen) => parentPort!.postMessage({ id: job.id, image: specimen.image }),
    (err: Error) => parentPort!.postMessage({ id: job.id, error: err.message }),
  );
});
