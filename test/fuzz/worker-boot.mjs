// Boots a fuzz worker thread: registers tsx's loader in this thread (module
// hooks of the parent do not reach worker threads on Node 20), then loads the
// TypeScript entry (as bridge/embedded/media/worker/media-worker-boot.mjs does).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
