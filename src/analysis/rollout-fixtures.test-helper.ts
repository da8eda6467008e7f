/**
 * SenderSummary and history fixtures for the planner's tests: the scenario senders (Google
 * Workspace aligned, a forgotten marketing platform, a forwarder, a spoofing botnet, a new sender)
 * without a store, so the planner is tested apart from the sender analysis.
 */
import { advice } from '../core/advice.js';
import { parseDmarcRecord } from '../records/dmarc-record.js';
import type { DmarcRecord } from '../records/dmarc-record.js';
import type { PolicyObservation, ReporterVolume, RolloutHistory } from './rollout-history.js';
import type { PolicySnapshot } from '../evaluate/dmarc-ladder.js';
import type { SenderSummary } from './sender-model.js';

export const NOW = new Date('2026-11-30T12:00:00Z');

export function sender(key: string, fields: Partial<SenderSummary> & { messages: number; dmarcPass: number }): SenderSummary {
  return {
    key,
    label: key.replace(/^[a-z]+:/, ''),
    serviceId: key.startsWith('service:') ? key.slice(8) : null,
    matches: [],
    sourceIps: ['192.0.2.1'],
    dkimAlignedPass: fields.dmarcPass,
    spfAlignedPass: fields.dmarcPass,
    dkimDomains: [],
    spfDomains: [],
    overrides: [],
    firstSeen: '2026-06-01',
    lastSeen: '2026-11-29',
    class: fields.dmarcPass >= fields.messages * 0.98 ? 'aligned' : 'legitimate-unaligned',
    decision: null,
    state: 'verified',
    diagnosis: [],
    fix: [],
    ...fields,
  };
}

export const googleWorkspace = sender('service:google-workspace', { messages: 50_000, dmarcPass: 49_950, label: 'Google Workspace' });
export const forgottenMarketing = sender('service:mailchimp', {
  label: 'Mailchimp',
  messages: 4_000,
  dmarcPass: 0,
  class: 'legitimate-unaligned',
  state: 'unknown',
  diagnosis: [
    advice(
      'sender-spf-not-aligned',
      { domain: 'example.com', spfDomains: ['mcsv.net'], serviceReturnPath: true },
      "SPF passes for mcsv.net (the service's own return path), not for example.com: SPF is not aligned",
    ),
  ],
});
export const forwarder = sender('domain:forwarder.example', { messages: 300, dmarcPass: 100, class: 'forwarded', overrides: [{ type: 'forwarded', messages: 150 }] });
export const botnet = sender('net:203.0.113.0/24', { label: '203.0.113.0/24', messages: 20_000, dmarcPass: 0, class: 'suspicious', state: 'unknown', sourceIps: ['203.0.113.5', '203.0.113.9'] });

export function record(text: string): DmarcRecord {
  const parsed = parseDmarcRecord(text).record;
  if (parsed === undefined) throw new Error(`not a DMARC record: ${text}`);
  return parsed;
}

export function snapshot(text: string): PolicySnapshot {
  const r = record(text);
  return { p: r.policy ?? null, sp: r.subdomainPolicy ?? null, np: r.nonexistentSubdomainPolicy ?? null, pct: r.percentage ?? null, testing: r.testing ?? null };
}

/** Daily report sightings of each policy text, from its date until the next one's. */
export function policyTimeline(changes: readonly (readonly [string, string])[], until: Date = NOW): PolicyObservation[] {
  const observations: PolicyObservation[] = [];
  changes.forEach(([from, text], i) => {
    const end = i + 1 < changes.length ? new Date(`${(changes[i + 1] as readonly [string, string])[0]}T00:00:00Z`) : until;
    for (let day = new Date(`${from}T00:00:00Z`); day < end; day = new Date(day.getTime() + 86_400_000)) {
      observations.push({ at: day.toISOString(), source: 'report', policy: snapshot(text) });
    }
  });
  return observations;
}

export const THREE_REPORTERS: readonly ReporterVolume[] = [
  { orgName: 'google.com', messages: 40_000, rfc9989: false },
  { orgName: 'Yahoo', messages: 10_000, rfc9989: false },
  { orgName: 'Enterprise Outlook', messages: 4_300, rfc9989: true },
];

export function history(changes: readonly (readonly [string, string])[], extra: Partial<RolloutHistory> = {}): RolloutHistory {
  return { observations: policyTimeline(changes), reporters: THREE_REPORTERS, subdomains: [], lastDataAt: NOW.toISOString(), ...extra };
}
