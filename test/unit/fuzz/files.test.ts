// Bounded fuzzing of the files people upload: WAV prompts and contacts CSV
// (test/fuzz/targets/wav.ts, contacts-csv.ts). The long run is `make fuzz`.
import { boundedFuzz } from '../../fuzz/bounded.ts';
import { contactsCsvTarget } from '../../fuzz/targets/contacts-csv.ts';
import { wavTarget } from '../../fuzz/targets/wav.ts';

boundedFuzz(wavTarget);
boundedFuzz(contactsCsvTarget, { minFindings: 1 });
