import { documentTypeCode } from '../../domain/kyc-application';
import { type IdentityVendor, type VendorApplicant, type VendorDecision, type VendorMediaItem, type VendorMediaKind, VendorRequestRejected, type VendorSession } from '../identity-vendor';
import { VeriffApiError, type VeriffClient } from './client';
import { decisionWebhookSchema, type DecisionVerification, type DocumentType } from './contract';

// Veriff as an identity vendor: sessions through the Station API, decisions from its webhooks
// (api/use-cases/receive-veriff-webhook.ts stores them) or from its decision endpoint.

export function decisionOf(verification: DecisionVerification): VendorDecision {
  const person = verification.person ?? {};
  const document = verification.document ?? {};
  const extracted = verification.person || verification.document
    ? { firstName: person.firstName ?? null, lastName: person.lastName ?? null, dateOfBirth: person.dateOfBirth ?? null, documentNumber: document.number ?? person.idNumber ?? null, nationality: person.nationality ?? null }
    : null;
  return {
    sessionId: verification.id,
    attemptId: verification.attemptId ?? '',
    status: verification.status,
    reasonCode: verification.reasonCode ?? null,
    extracted,
    document: verification.document ? Object.fromEntries(Object.entries(verification.document).map(([key, value]) => [key, value == null ? null : String(value)])) : null,
    riskLabels: (verification.riskLabels ?? []).map((l) => l.label),
  };
}

// Veriff's image contexts (docs/veriff-contract.md); the `-pre` captures are first tries, kept too.
function mediaKind(context: string | null | undefined): VendorMediaKind {
  const base = (context ?? '').replace(/-pre$/, '');
  if (base === 'document-front') return 'front';
  if (base === 'document-back') return 'back';
  if (base === 'face') return 'selfie';
  return 'other';
}

function rejected(err: unknown, what: string): unknown {
  if (err instanceof VeriffApiError && !err.retryable) {
    return new VendorRequestRejected(`Veriff refused ${what} (HTTP ${err.httpStatus ?? '-'}, code ${err.code ?? '-'})`, err.httpStatus ?? null, err.code ?? null);
  }
  return err;
}

export class VeriffVendor implements IdentityVendor {
  readonly name = 'veriff';

  constructor(private readonly client: VeriffClient) {}

  async openSession(applicant: VendorApplicant): Promise<VendorSession> {
    // Our codes are Veriff's: the annotation fails to compile the day they part.
    const documentType: DocumentType = documentTypeCode(applicant.documentType);
    try {
      const session = await this.client.createSession({
        verification: {
          callback: applicant.returnUrl,
          person: { firstName: applicant.firstName, lastName: applicant.lastName, dateOfBirth: applicant.dateOfBirth },
          document: { number: applicant.documentNumber, type: documentType, country: applicant.issuingCountry },
          vendorData: applicant.recordId,
          endUserId: applicant.userId,
        },
      });
      return { id: session.id, url: session.url };
    } catch (err) {
      throw rejected(err, 'the session request');
    }
  }

  async fetchDecision(sessionId: string): Promise<{ decision: VendorDecision; body: unknown } | null> {
    const verification = await this.client.getDecision(sessionId);
    if (!verification) return null;
    // Kept in the shape of a decision webhook, so one reader serves both.
    return { decision: decisionOf(verification), body: { status: 'success', verification } };
  }

  readDecision(body: unknown): VendorDecision {
    return decisionOf(decisionWebhookSchema.parse(body).verification);
  }

  async deleteSession(sessionId: string): Promise<'deleted' | 'not_found'> {
    try {
      await this.client.deleteSession(sessionId);
      return 'deleted';
    } catch (err) {
      if (err instanceof VeriffApiError && err.httpStatus === 404) return 'not_found';
      if (err instanceof VeriffApiError && !err.retryable) {
        throw new VendorRequestRejected(`Veriff refused to delete the session (HTTP ${err.httpStatus ?? '-'}, code ${err.code ?? '-'})`, err.httpStatus ?? null, err.code ?? null);
      }
      throw err;
    }
  }

  async listMedia(sessionId: string): Promise<VendorMediaItem[]> {
    try {
      const images = await this.client.listMedia(sessionId);
      return images.map((image) => ({ id: image.id, kind: mediaKind(image.context ?? image.name), contentType: image.mimetype ?? null }));
    } catch (err) {
      throw rejected(err, 'the media list');
    }
  }

  async downloadMedia(mediaId: string, maxBytes: number): Promise<Buffer> {
    try {
      return (await this.client.downloadMedia(mediaId, maxBytes)).bytes;
    } catch (err) {
      throw rejected(err, 'a media download');
    }
  }
}
