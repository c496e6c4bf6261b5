// RFC 3261 §17.1.1.1 / Table 4: the timer base values. T1 is the RTT estimate,
// T2 the cap on non-INVITE retransmit intervals, T4 how long a message may live
// in the network.
export interface TimerValues { T1: number; T2: number; T4: number }

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };
