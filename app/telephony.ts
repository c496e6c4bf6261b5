// The calls side of a process (roles all and bridge): the CDR recorder with
// its start-up recovery, and the IVR answering the engine's incoming calls.
// The engine is created first by the caller (one that cannot run is refused
// before anything opens) and started last, once the IVR is ready for calls.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../bridge/port.ts';
import type { Config } from '../common/config.ts';
import { CdrRecorder } from '../core/cdr/recorder.ts';
import type { Repositories } from '../core/repositories.ts';
import type { JoinTokenSigner } from '../core/rooms/join-token.ts';
import { createIvr, type Ivr } from '../ivr/ivr.ts';

export interface Telephony {
  engine: Engine;
  ivr: Ivr;
  cdrs: CdrRecorder;
}

export function createTelephony(config: Config, engine: Engine, repos: Repositories, joinTokens?: JoinTokenSigner): Telephony {
  mkdirSync(config.data.dir, { recursive: true });
  // Start-up recovery: legs a crash left open are closed at their last checkpoint.
  const cdrs = CdrRecorder.start({ journalPath: join(config.data.dir, 'cdr-journal.jsonl'), sink: repos.cdrs, nodeId: config.data.nodeId });
  const { callerId, multiPartyMaxParties, operatorTarget, carrierAddresses, waitingPerSource, waitingPerCarrier } = config.ivr;
  const ivr = createIvr({
    engine, repos, cdrs, nodeId: config.data.nodeId, ...(joinTokens ? { joinTokens } : {}),
    // Wrong PINs shared with the other nodes on the database (ivr/room/pin-lockout-sync.ts).
    pinFailures: { store: repos.pinFailures },
    // Rooms are mixed on one node; callers of a room that landed elsewhere are relayed to it (ivr/flows/relay.ts).
    ...(joinTokens ? { cluster: { store: repos.cluster, nodeId: config.data.nodeId, staleMs: config.cluster.staleMs } } : {}),
    config: {
      callerId, multiPartyMaxParties, operatorTarget: operatorTarget ?? null, pinLockout: { carrierAddresses },
      waiting: { perSource: waitingPerSource, perCarrier: waitingPerCarrier },
      defaultRegion: config.defaultRegion, recordingsDir: join(config.data.dir, 'recordings'),
    },
  });
  engine.onIncoming((call) => ivr.handle(call));
  return { engine, ivr, cdrs };
}
