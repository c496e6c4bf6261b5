// Bounded fuzzing of RTP and RTCP packets (test/fuzz/targets/rtp.ts, rtcp.ts). The long run is `make fuzz`.
import { boundedFuzz } from '../../fuzz/bounded.ts';
import { rtcpTarget } from '../../fuzz/targets/rtcp.ts';
import { rtpTarget } from '../../fuzz/targets/rtp.ts';

boundedFuzz(rtpTarget);
boundedFuzz(rtcpTarget, { minFindings: 1 });
