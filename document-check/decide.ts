import type { Checks, Decision, Finding, ImageIntegrityDetails, MetadataDetails, OcrDetails } from './schemas';

// One decision from the three checks, with the reasons that made it:
// - evidence of forgery or of someone else's document (any check failed) denies;
// - a photo that cannot be read asks for a new one (flag for review, retake) instead of judging it;
// - doubts (any check flagged) go to a reviewer;
// - otherwise the document is accepted.
// An editor's name in the metadata denies even an unreadable photo: it does not depend on reading.

export interface DecisionOutcome {
  decision: Decision;
  reason: string;
  retake: boolean;
  checks: Checks;
}

const sentence = (findings: Finding[]) => findings.map((finding) => finding.message).join(' ');

export function decide(ocr: OcrDetails, metadata: MetadataDetails, integrity: ImageIntegrityDetails): DecisionOutcome {
  const checks: Checks = { ocr: ocr.status, metadata: metadata.status, image_integrity: integrity.status };
  const all = [...metadata.findings, ...integrity.findings, ...ocr.findings];
  const failed = all.filter((finding) => finding.status === 'fail');
  const metadataFailed = metadata.findings.filter((finding) => finding.status === 'fail');

  if (integrity.retake && !metadataFailed.length) {
    const quality = integrity.findings.filter((finding) => finding.code === 'resolution_too_low' || finding.code === 'too_blurred');
    return { decision: 'flag for review', reason: `Retake required: ${sentence(quality)}`, retake: true, checks };
  }
  if (failed.length) return { decision: 'deny', reason: sentence(failed), retake: false, checks };
  const doubts = all.filter((finding) => finding.status === 'flag for review');
  if (doubts.length) return { decision: 'flag for review', reason: sentence(doubts), retake: false, checks };
  return { decision: 'accept', reason: 'The document is readable, unaltered, valid and matches the submitted details.', retake: false, checks };
}
