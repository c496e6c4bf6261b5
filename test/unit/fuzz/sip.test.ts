// Bounded fuzzing of the SIP parser (test/fuzz/targets/sip.ts): saved
// findings, mutated RFC 4475 / typical / bridge-built messages, generated
// messages. The long run is `make fuzz`.
import { boundedFuzz } from '../../fuzz/bounded.ts';
import { sipTarget } from '../../fuzz/targets/sip.ts';

boundedFuzz(sipTarget);
