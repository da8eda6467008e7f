/**
 * One domain: its mail over time by result, the rollout plan (verdict, gates, blockers, the next
 * record split into 255-octet strings with its zone line and a copy button), and its senders with
 * their class, state and fix, each approved or rejected with a note.
 */
import { useEffect, useState } from 'preact/hooks';
import type { DayVolume, Page, Sender } from '../api.js';
import { ApiError, api } from '../api.js';
import { VolumeChart } from '../chart.js';
import { percent } from './portfolio.js';

interface Plan {
  readonly plan: {
    readonly verdict: string;
    readonly stage: string;
    readonly stageDays: number;
    readonly gates: readonly { readonly id: string; readonly description: string; readonly passes: boolean; readonly detail: { readonly message: string } }[];
    readonly blockers: readonly { readonly sender: string; readonly label: string; readonly reasons: readonly { readonly message: string }[] }[];
    readonly next: { readonly stage: string; readonly record: string; readonly strings: readonly string[]; readonly zoneLine: string } | null;
  };
}

function describe(caught: unknown): string {
  return caught instanceof ApiError ? caught.problem.detail : String(caught);
}

export function DomainPage({ org, domain }: { readonly org: string; readonly domain: string }) {
  const base = `/organizations/${encodeURIComponent(org)}/domains/${encodeURIComponent(domain)}`;
  const [series, setSeries] = useState<DayVolume[] | null>(null);
  const [senders, setSenders] = useState<Sender[] | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [days, setDays] = useState(90);
  const load = () => {
    setError(null);
    void api<Page<DayVolume>>(`${base}/series?days=${days}`).then((p) => setSeries(p.items), (e: unknown) => setError(describe(e)));
    void api<Page<Sender>>(`${base}/senders?days=${days}&offline=true`).then((p) => setSenders(p.items), (e: unknown) => setError(describe(e)));
    void api<Plan>(`${base}/plan?offline=true&days=${Math.min(days, 366)}`).then(setPlan, (e: unknown) => setError(describe(e)));
  };
  useEffect(load, [base, days]);
  return (
    <section>
      <p>
        <a href="#/">← Domains</a>
      </p>
      <h1>{domain}</h1>
      <label class="inline">
        Window
        <select value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {[30, 90, 180, 366].map((n) => (
            <option value={String(n)} key={n}>
              last {n} days
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h2>Mail by result</h2>
      {series === null ? <p class="loading">Loading…</p> : series.length === 0 ? <p>No reports in the window.</p> : <VolumeChart days={series} />}
      <h2>Rollout plan</h2>
      {plan === null ? <p class="loading">Planning…</p> : <PlanView plan={plan} />}
      <h2>Senders</h2>
      <a class="export" href={`/api/v1${base}/senders?days=${days}&offline=true&format=csv`} download>
        CSV
      </a>
      {senders === null ? <p class="loading">Loading…</p> : <SenderTable senders={senders} base={base} onDecided={load} />}
    </section>
  );
}

function PlanView({ plan }: { readonly plan: Plan }) {
  const p = plan.plan;
  const [copied, setCopied] = useState(false);
  return (
    <div class="plan">
      <p>
        Stage <strong>{p.stage}</strong> for {p.stageDays} days: <strong class={`verdict verdict-${p.verdict}`}>{p.verdict}</strong>
      </p>
      {p.gates.length > 0 && (
        <ul class="gates">
          {p.gates.map((g) => (
            <li key={g.id} class={g.passes ? 'pass' : 'fail'}>
              {g.passes ? '✓' : '✗'} {g.description}: {g.detail.message}
            </li>
          ))}
        </ul>
      )}
      {p.blockers.length > 0 && (
        <>
          <h3>Blocked by</h3>
          <ul>
            {p.blockers.map((b) => (
              <li key={b.sender}>
                <strong>{b.label}</strong>: {b.reasons.map((r) => r.message).join(' ')}
              </li>
            ))}
          </ul>
        </>
      )}
      {p.next && (
        <>
          <h3>Next record ({p.next.stage})</h3>
          <pre class="record" aria-label="the next record, in 255-octet strings">{p.next.strings.map((s) => `"${s}"`).join(' ')}</pre>
          <pre class="record">{p.next.zoneLine}</pre>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(p.next?.zoneLine ?? '').then(() => setCopied(true))}>
            {copied ? 'Copied' : 'Copy the zone line'}
          </button>
        </>
      )}
    </div>
  );
}

function SenderTable({ senders, base, onDecided }: { readonly senders: readonly Sender[]; readonly base: string; readonly onDecided: () => void }) {
  const [note, setNote] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const decide = async (sender: Sender, decision: 'approved' | 'rejected') => {
    setProblem(null);
    try {
      await api(`${base}/senders/${encodeURIComponent(sender.key)}/decision`, { method: 'POST', body: { decision, ...(note[sender.key] ? { note: note[sender.key] } : {}) } });
      onDecided();
    } catch (caught) {
      setProblem(`${sender.label}: ${describe(caught)}`);
    }
  };
  if (senders.length === 0) return <p>No senders in the window.</p>;
  return (
    <>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <table class="senders">
        <thead>
          <tr>
            <th scope="col">Sender</th>
            <th scope="col">Class</th>
            <th scope="col">State</th>
            <th scope="col" class="num">Messages</th>
            <th scope="col" class="num">DMARC pass</th>
            <th scope="col">Seen</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {senders.map((s) => (
            <tr key={s.key} data-sender={s.key}>
              <td>
                <strong>{s.label}</strong>
                <br />
                <code>{s.key}</code>
                {s.fix.length > 0 && <div class="fix">{s.fix[0]?.message}</div>}
              </td>
              <td>{s.class}</td>
              <td class="state">{s.state}</td>
              <td class="num">{s.messages.toLocaleString()}</td>
              <td class="num">{percent(s.messages === 0 ? null : s.dmarcPass / s.messages)}</td>
              <td>
                {s.firstSeen} – {s.lastSeen}
              </td>
              <td>
                <label class="sr-only" for={`note-${s.key}`}>
                  Note for {s.label}
                </label>
                <input id={`note-${s.key}`} type="text" placeholder="note" value={note[s.key] ?? ''} onInput={(e) => setNote({ ...note, [s.key]: e.currentTarget.value })} />
                <button type="button" onClick={() => void decide(s, 'approved')} aria-label={`Approve ${s.label}`}>
                  Approve
                </button>
                <button type="button" onClick={() => void decide(s, 'rejected')} aria-label={`Reject ${s.label}`}>
                  Reject
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
