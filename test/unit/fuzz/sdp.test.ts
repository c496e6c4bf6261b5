// Bounded fuzzing of SDP offer/answer (test/fuzz/targets/sdp.ts). The long run is `make fuzz`.
import { boundedFuzz } from '../../fuzz/bounded.ts';
import { sdpTarget } from '../../fuzz/targets/sdp.ts';

boundedFuzz(sdpTarget, { minFindings: 6 });
