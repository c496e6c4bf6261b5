// Path parameters of the live routes.
import { z } from 'zod';

export const conferenceParams = z.object({ conferenceId: z.uuid() });
export const participantParams = conferenceParams.extend({ participantId: z.string().min(1).max(200) });
