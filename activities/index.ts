import { type Config } from '../domain/config';
import { type Db } from '../infra/db';
import { type PiiCipher } from '../infra/crypto';
import { type VeriffClient } from '../vendors/veriff/client';
import { createNotificationActivities, type Notifier } from './notifications';
import { createRecordActivities } from './records';
import { createReviewActivities } from './review';
import { createRiskActivities } from './risk';
import { createVeriffActivities } from './veriff-session';
import { createWalletActivities } from './wallet';

export interface ActivityDeps {
  db: Db;
  cipher: PiiCipher;
  veriff: VeriffClient;
  notifier: Notifier;
  config: Pick<Config, 'FRONTEND_URL' | 'KYC_RISK_REVIEW_THRESHOLD' | 'KYC_HIGH_RISK_COUNTRIES'>;
  now?: () => Date;
}

// The one place the worker wires I/O into activities; workflows import only this factory's type.
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    ...createRecordActivities(deps.db, deps.cipher, now),
    ...createVeriffActivities(deps.db, deps.cipher, deps.veriff, deps.config.FRONTEND_URL),
    ...createWalletActivities(deps.db, now),
    ...createNotificationActivities(deps.db, deps.notifier, now),
    ...createRiskActivities(deps.db, deps.cipher, { reviewThreshold: deps.config.KYC_RISK_REVIEW_THRESHOLD, highRiskCountries: deps.config.KYC_HIGH_RISK_COUNTRIES }),
    ...createReviewActivities(deps.db, deps.cipher, now),
  };
}
