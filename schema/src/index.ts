export * from './sip-event';
export * from './anomalies';
export * from './alert';
export * from './call-record';
export * from './campaign';
