//! One small builder API for packets, flows, SIP dialogs and capture files, shared by the collector
//! tests, the signature fixture makers (signatures/tools) and the benchmark capture generator
//! (bench/make-capture.ts). Tests and generators only; nothing here is shipped logic.
export * from './frames';
export * from './flows';
export * from './sip';
export * from './dialogs';
export * from './pcap';
