//! `stateless`: every matching event is evidence; one alert per group per suppress period.
import { NO_SAMPLE } from '../../alerts/evidence';
import { selectedGroup, type KindContext, type KindRunner } from './kind';

export function statelessKind({ compiled, book }: KindContext): KindRunner {
  return {
    process(event, txn, now) {
      const key = selectedGroup(compiled, event, txn);
      if (key === undefined) return;
      const live = book.live(key);
      if (live !== undefined) book.add(live, event, txn, now);
      else book.start(key, event, txn, now, 1, now, NO_SAMPLE);
    },
    stateEntries: 0,
    evictions: 0,
  };
}
