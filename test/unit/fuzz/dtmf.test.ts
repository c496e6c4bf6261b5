// Bounded fuzzing of DTMF input: RFC 4733 telephone-events and SIP INFO
// bodies (test/fuzz/targets/telephone-event.ts, info-dtmf.ts). The long run is `make fuzz`.
import { boundedFuzz } from '../../fuzz/bounded.ts';
import { infoDtmfTarget } from '../../fuzz/targets/info-dtmf.ts';
import { telephoneEventTarget } from '../../fuzz/targets/telephone-event.ts';

boundedFuzz(telephoneEventTarget);
boundedFuzz(infoDtmfTarget, { minFindings: 2 });
