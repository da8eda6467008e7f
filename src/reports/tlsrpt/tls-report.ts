/**
 * The normalised SMTP TLS report (RFC 8460 §4): one JSON document from a sending organisation
 * saying how TLS negotiation with a recipient domain's MX hosts went over a day, per policy
 * (MTA-STS, DANE TLSA, or none found). Field comments give the JSON name.
 */

/** `policy-type` values (RFC 8460 §4). Other values are kept as sent, with the warning `unknown-value`. */
export const TLS_POLICY_TYPES = ['sts', 'tlsa', 'no-policy-found'] as const;
export type TlsPolicyType = (typeof TLS_POLICY_TYPES)[number];

/**
 * `result-type` values (RFC 8460 §4): negotiation failures, then policy failures. Other values
 * (reporters add their own) are kept as sent, with the warning `unknown-value`.
 */
export const TLS_RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
  'sts-policy-fetch-error',
  'sts-policy-invalid',
  'sts-webpki-invalid',
] as const;
export type TlsResultType = (typeof TLS_RESULT_TYPES)[number];

export interface TlsReport {
  readonly kind: 'tlsrpt';
  /** `organization-name`: the sending organisation that made the report. */
  readonly organizationName: string;
  /** `date-range`: the period covered. */
  readonly dateRange: TlsDateRange;
  /** `contact-info`: an address or URI of the reporter; null when absent or null (warning `tlsrpt-missing-field`). */
  readonly contactInfo: string | null;
  /** `report-id`: the reporter's unique identifier for this report. */
  readonly reportId: string;
  /** `policies`: one entry per policy the sender applied (or looked for) for the recipient domain. */
  readonly policies: readonly TlsPolicyResult[];
}

export interface TlsDateRange {
  /** `date-range.start-datetime` (RFC 3339), converted to UTC: `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly start: string;
  /** `date-range.end-datetime` (RFC 3339), converted to UTC: `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly end: string;
}

export interface TlsPolicyResult {
  /** `policy.policy-type`: `sts`, `tlsa`, `no-policy-found` (TlsPolicyType), or another value as sent, lower-cased. */
  readonly policyType: string;
  /** `policy.policy-string`: the policy as the sender saw it (MTA-STS lines, or TLSA records); [] when absent. */
  readonly policyStrings: readonly string[];
  /** `policy.policy-domain`: the recipient domain, lower-cased; null when absent (warning `tlsrpt-missing-field`). */
  readonly policyDomain: string | null;
  /** `policy.mx-host`: MX host patterns of the policy, as sent (one string or an array on the wire); [] when absent. */
  readonly mxHosts: readonly string[];
  /** `summary.total-successful-session-count`: sessions that negotiated TLS as the policy requires. */
  readonly successfulSessionCount: number;
  /** `summary.total-failure-session-count`: sessions that failed. */
  readonly failedSessionCount: number;
  /** `failure-details`: failures grouped by result type and hosts; [] when absent. */
  readonly failureDetails: readonly TlsFailureDetail[];
}

export interface TlsFailureDetail {
  /** `result-type`: what failed (TlsResultType), or another value as sent, lower-cased. */
  readonly resultType: string;
  /** `sending-mta-ip`, canonical (IPv6 per RFC 5952); as sent when not an IP address; null when absent. */
  readonly sendingMtaIp: string | null;
  /** `receiving-mx-hostname`, lower-cased; null when absent. */
  readonly receivingMxHostname: string | null;
  /** `receiving-mx-helo`: the name the MX gave in its greeting; null when absent. */
  readonly receivingMxHelo: string | null;
  /** `receiving-ip`, canonical; as sent when not an IP address; null when absent. */
  readonly receivingIp: string | null;
  /** `failed-session-count`. */
  readonly failedSessionCount: number;
  /** `additional-information`: a URI or text from the reporter; null when absent. */
  readonly additionalInformation: string | null;
  /** `failure-reason-code`: free text, e.g. an OpenSSL error name; null when absent. */
  readonly failureReasonCode: string | null;
}
