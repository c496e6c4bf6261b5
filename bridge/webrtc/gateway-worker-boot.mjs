// Boots the WebRTC gateway's worker thread: registers tsx's loader in this
// thread (module hooks of the parent do not reach worker threads on Node 20),
// then loads the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./gateway-worker.ts');
