export * from './sip-event';
export * from './anomalies';
