// Platform-wide load for the operators' capacity page: calls up now and
// conferences running, across every account and node (a relayed caller is
// one call: relay legs are not counted).
export interface LiveLoad {
  openCalls: number;
  liveConferences: number;
}

export interface CapacityStore {
  liveLoad(): Promise<LiveLoad>;
}
