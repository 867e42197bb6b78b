/** Defaults of the top-level policy, shared by the schema and the cross-field rules. */
export const POLICY_DEFAULTS = {
  intervalSeconds: 10,
  probeTimeoutSeconds: 5,
  confirmRetries: 2,
  confirmSpacingSeconds: 0.5,
  probeConcurrency: 32,
  failureThreshold: 3,
  successThreshold: 3,
  dwellSeconds: 600,
  maxAutoFailovers: 1,
  autoFailoverWindowMinutes: 60,
  autoFailback: false,
  stepTimeoutSeconds: 300,
  wakeTimeoutSeconds: 1200,
  propagationTimeoutSeconds: 1800,
  stopColdClusterOnClear: true,
  leverReconcileSeconds: 300,
} as const;
