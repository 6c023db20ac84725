//! Everything the analyzer adds to an event before signatures see it, in dependency order:
//! transaction (retransmission, what a response answered) → dialog (needs the retransmission
//! verdict) → site (needs the dialog's account) → numbers (need the dialog and the site's home
//! countries). All of it is keyed by Call-ID or is stateless, which is why the pipeline's dialog
//! stage, partitioned by Call-ID, can run it.
import type { SipEvent } from '../../../../schema/src/sip-event';
import {
  DEFAULT_HIGH_RISK_LIST,
  NumberClassifier,
  emptyNumberInfo,
  loadHighRiskList,
  type HighRiskList,
  type NumberInfo,
} from '../../calls/numbers';
import { SiteKnowledge, emptySiteInfo, resetSiteInfo, type SiteConfig, type SiteInfo } from '../../site/site-knowledge';
import { DialogTable, emptyDialogInfo, type DialogInfo } from '../../state/dialog-table';
import { DEFAULT_MAX_TRANSACTIONS, TransactionTable, emptyTxnInfo, type TxnInfo } from '../../state/transaction-table';
import type { Enrichment } from './enrichment';

export interface EnricherOptions {
  /** Site knowledge (`--config`); without it `site.*` stays empty and site signatures are skipped. */
  site?: SiteConfig;
  /** High-risk destination list; default signatures/lists/high-risk-destinations.tsv. */
  highRisk?: HighRiskList;
  maxTransactions?: number;
  maxDialogs?: number;
}

export interface TypedEnrichment extends Enrichment {
  txn: TxnInfo;
  dialog: DialogInfo;
  site: SiteInfo;
  num: NumberInfo;
}

let defaultHighRisk: HighRiskList | undefined;

export class EventEnricher {
  readonly transactions: TransactionTable;
  readonly dialogs: DialogTable;
  readonly site: SiteKnowledge | undefined;
  private readonly numbers: NumberClassifier;
  /** Reused per event: read synchronously, copied by whatever keeps it. */
  readonly ctx: TypedEnrichment;

  constructor(options: EnricherOptions = {}) {
    this.transactions = new TransactionTable(options.maxTransactions ?? DEFAULT_MAX_TRANSACTIONS);
    this.dialogs = new DialogTable(options.maxDialogs);
    this.site = options.site === undefined ? undefined : new SiteKnowledge(options.site);
    const highRisk = options.highRisk ?? (defaultHighRisk ??= loadHighRiskList(DEFAULT_HIGH_RISK_LIST));
    this.numbers = new NumberClassifier({ highRisk, ...(this.site !== undefined ? { site: this.site } : {}) });
    this.ctx = { txn: emptyTxnInfo(), dialog: emptyDialogInfo(), site: emptySiteInfo(), num: emptyNumberInfo() };
  }

  enrich(event: SipEvent, nowMs: number): TypedEnrichment {
    const ctx = this.ctx;
    this.transactions.observe(event, nowMs, ctx.txn);
    this.dialogs.observe(event, nowMs, ctx.txn.retransmission, ctx.dialog);
    const account = ctx.dialog.account ?? event.sip.auth?.username ?? event.sip.from?.user;
    if (this.site !== undefined) this.site.classify(event, account, ctx.site);
    else resetSiteInfo(ctx.site);
    this.numbers.classify(event, ctx.dialog, ctx.num);
    return ctx;
  }

  get stateEntries(): number {
    return this.transactions.size + this.dialogs.size;
  }

  get evictions(): number {
    return this.transactions.evictions + this.dialogs.evictions;
  }
}
