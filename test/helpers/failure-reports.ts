/**
 * DMARC failure reports (ARF, RFC 5965 / 6591) written for the tests, about the senders of
 * helpers/sender-history.ts: each one e-mail with the human-readable part, the machine-readable
 * feedback report and the reported message's headers. Only documentation addresses and example
 * domains.
 */

export interface FailureSpec {
  /** Unique per report (the reported message's Message-ID). */
  readonly id: string;
  readonly sourceIp: string;
  /** ISO 8601 UTC. */
  readonly arrival: string;
  readonly reportedDomain?: string;
  readonly dkimDomain?: string;
  readonly spfDomain?: string;
  readonly subject?: string;
}

/** One ARF failure report e-mail (CRLF line ends). */
export function failureReportEml(spec: FailureSpec): string {
  const domain = spec.reportedDomain ?? 'example.com';
  const arrival = new Date(spec.arrival).toUTCString().replace('GMT', '+0000');
  const lines = [
    'From: DMARC Reports <dmarc-noreply@receiver.example.net>',
    'To: ruf@example.com',
    `Subject: DMARC failure report for ${domain}`,
    `Message-ID: <ruf-${spec.id}@receiver.example.net>`,
    `Date: ${arrival}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `An authentication failure report for mail from ${spec.sourceIp}.`,
    '',
    '--b1',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: auth-failure',
    'User-Agent: ExampleReporter/2.1',
    'Version: 1',
    'Auth-Failure: dmarc',
    'Identity-Alignment: none',
    'Delivery-Result: reject',
    `Arrival-Date: ${arrival}`,
    'Reporting-MTA: dns; mx.receiver.example.net',
    `Source-IP: ${spec.sourceIp}`,
    ...(spec.dkimDomain ? [`DKIM-Domain: ${spec.dkimDomain}`, 'DKIM-Selector: k1'] : []),
    ...(spec.spfDomain ? [`Original-Mail-From: <bounce@${spec.spfDomain}>`] : []),
    `Reported-Domain: ${domain}`,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    `From: news@${domain}`,
    'To: alice@receiver.example.net',
    `Subject: ${spec.subject ?? `Newsletter ${spec.id}`}`,
    `Message-ID: <${spec.id}@${domain}>`,
    '',
    '--b1--',
    '',
  ];
  return lines.join('\r\n');
}

/**
 * Failure reports about example.com in the history's window: three from the botnet network
 * 2001:db8:b1::/48, two from Mailchimp's 198.51.100.20 (DKIM mcsv.net), one about the subdomain
 * news.example.com from the new vendor, one from an address no aggregate report names
 * (192.0.2.200, signed by mcsv.net: Mailchimp), and one from before the window.
 */
export function failureHistory(): { name: string; eml: string }[] {
  const specs: FailureSpec[] = [
    { id: 'bot-1', sourceIp: '2001:db8:b1::7', arrival: '2026-11-21T08:00:00Z' },
    { id: 'bot-2', sourceIp: '2001:db8:b1::7', arrival: '2026-11-22T08:00:00Z' },
    { id: 'bot-3', sourceIp: '2001:db8:b1::7', arrival: '2026-11-23T08:00:00Z', subject: 'Invoice \u001b[31moverdue' },
    { id: 'mc-1', sourceIp: '198.51.100.20', arrival: '2026-11-24T08:00:00Z', dkimDomain: 'mcsv.net', spfDomain: 'mail20.mcsv.net' },
    { id: 'mc-2', sourceIp: '198.51.100.20', arrival: '2026-11-25T08:00:00Z', dkimDomain: 'mcsv.net', spfDomain: 'mail20.mcsv.net' },
    { id: 'vendor-1', sourceIp: '198.51.100.77', arrival: '2026-11-26T08:00:00Z', reportedDomain: 'news.example.com' },
    { id: 'elsewhere-1', sourceIp: '192.0.2.200', arrival: '2026-11-27T08:00:00Z', dkimDomain: 'mcsv.net' },
    { id: 'old-1', sourceIp: '2001:db8:b1::7', arrival: '2026-09-01T08:00:00Z' },
  ];
  return specs.map((spec) => ({ name: `ruf-${spec.id}.eml`, eml: failureReportEml(spec) }));
}
