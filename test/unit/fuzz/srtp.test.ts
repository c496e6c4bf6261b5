// Bounded fuzzing of SRTP/SRTCP unprotect (test/fuzz/targets/srtp.ts). The long run is `make fuzz`.
import { boundedFuzz } from '../../fuzz/bounded.ts';
import { srtpTarget } from '../../fuzz/targets/srtp.ts';

boundedFuzz(srtpTarget);
