/**
 * The receivers that send reports in the synthetic corpus. Each imitates the habits of a kind of
 * real reporter (schema, layout, report-id style, which optional fields it fills), under
 * anonymised names in the reserved .example TLD (RFC 2606).
 *
 * flavour: 'draft' = pre-1.0 drafts (no <version>, no namespace); 'rfc7489' = <version>1.0</version>
 * without a namespace (RFC 7489 App. C as sent in practice); 'rfc9990' = namespace
 * urn:ietf:params:xml:ns:dmarc-2.0 with np/testing/discovery_method (RFC 9990 §3).
 */

/**
 * @typedef {object} Reporter
 * @property {string} host         receiver domain: the Submitter and the first part of the file name
 * @property {string} orgName      report_metadata/org_name
 * @property {string} email        report_metadata/email
 * @property {string} [extra]      report_metadata/extra_contact_info
 * @property {'draft'|'rfc7489'|'rfc9990'} flavour
 * @property {'digits19'|'digits10'|'hex32'|'uuid'|'dotted'} idStyle  report_id shape
 * @property {string} indent       one level of indentation ('' = everything on one line)
 * @property {string} declaration  the XML declaration line
 * @property {string} [rootAttrs]  extra attributes of <feedback>
 * @property {number} endOffset    seconds from begin to end (86399 or 86400)
 * @property {number} envelopeTo   share of records with identifiers/envelope_to
 * @property {number} humanResult  share of auth results with human_result
 * @property {boolean} envelopeFrom whether identifiers/envelope_from is sent
 * @property {boolean} selector     whether auth_results/dkim/selector is sent
 * @property {string} [generator]   report_metadata/generator (RFC 9990)
 * @property {number} weight       relative share of reports
 */

/** @type {readonly Reporter[]} */
export const REPORTERS = [
  {
    host: 'reporter-1.example', orgName: 'reporter-1.example', email: 'noreply-dmarc-support@reporter-1.example',
    extra: 'https://support.reporter-1.example/a/answer/2466580', flavour: 'draft', idStyle: 'digits19', indent: '  ',
    declaration: '<?xml version="1.0" encoding="UTF-8" ?>', endOffset: 86399, envelopeTo: 0, humanResult: 0,
    envelopeFrom: false, selector: true, weight: 30,
  },
  {
    host: 'protection.reporter-2.example', orgName: 'Reporter 2 Mail', email: 'dmarcreport@reporter-2.example',
    flavour: 'rfc7489', idStyle: 'hex32', indent: '  ', declaration: '<?xml version="1.0"?>',
    rootAttrs: ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    endOffset: 86400, envelopeTo: 0.9, humanResult: 0, envelopeFrom: true, selector: true, weight: 24,
  },
  {
    host: 'reporter-3.example', orgName: 'Reporter 3! Inc.', email: 'dmarchelp@reporter-3.example',
    flavour: 'draft', idStyle: 'digits10', indent: '  ', declaration: '<?xml version="1.0"?>',
    endOffset: 86399, envelopeTo: 0, humanResult: 0, envelopeFrom: true, selector: true, weight: 9,
  },
  {
    host: 'reporter-4.example', orgName: 'REPORTER-4', email: 'noreply-dmarc@sicher.reporter-4.example',
    extra: 'https://postmaster.reporter-4.example/en/case?c=r2002', flavour: 'rfc9990', idStyle: 'hex32', indent: '   ',
    declaration: '<?xml version="1.0" encoding="UTF-8"?>', endOffset: 86399, envelopeTo: 0, humanResult: 0.1,
    envelopeFrom: true, selector: true, generator: 'R4 DMARC Reporter 3.2', weight: 8,
  },
  {
    host: 'reporter-5.example', orgName: 'Reporter 5 Pty Ltd', email: 'dmarc-reports@reporter-5.example',
    extra: 'https://www.reporter-5.example', flavour: 'rfc7489', idStyle: 'digits10', indent: '  ',
    declaration: '<?xml version="1.0" encoding="UTF-8"?>', endOffset: 86399, envelopeTo: 0.95, humanResult: 0.6,
    envelopeFrom: true, selector: true, weight: 6,
  },
  {
    host: 'mx.reporter-6.example', orgName: 'Reporter 6 & Partners', email: 'postmaster@mx.reporter-6.example',
    flavour: 'rfc9990', idStyle: 'uuid', indent: '\t', declaration: '<?xml version="1.0" encoding="UTF-8"?>',
    endOffset: 86399, envelopeTo: 0.3, humanResult: 0.3, envelopeFrom: true, selector: true,
    generator: 'mx6-reporter/2026.05', weight: 6,
  },
  {
    host: 'reporter-7.example', orgName: 'Reporter Seven', email: 'dmarc_support@reporter-7.example',
    flavour: 'draft', idStyle: 'digits10', indent: '', declaration: '<?xml version="1.0"?>',
    endOffset: 86399, envelopeTo: 0, humanResult: 0, envelopeFrom: false, selector: false, weight: 5,
  },
  {
    host: 'mailgate.reporter-8.example', orgName: 'mailgate.reporter-8.example', email: 'opendmarc@mailgate.reporter-8.example',
    flavour: 'rfc7489', idStyle: 'dotted', indent: ' ', declaration: '<?xml version="1.0" encoding="UTF-8" ?>',
    endOffset: 86400, envelopeTo: 0, humanResult: 0, envelopeFrom: true, selector: true, weight: 5,
  },
  {
    host: 'reporter-9.example', orgName: 'Reporter 9 Security', email: 'dmarc-rua@reporter-9.example',
    flavour: 'rfc9990', idStyle: 'digits19', indent: '    ', declaration: '<?xml version="1.0" encoding="UTF-8"?>',
    endOffset: 86399, envelopeTo: 0, humanResult: 0.2, envelopeFrom: true, selector: true,
    generator: 'R9 Secure Gateway 11.4', weight: 4,
  },
  {
    host: 'reporter-10.example', orgName: 'Reporter 10 AG', email: 'dmarc@reporter-10.example',
    flavour: 'draft', idStyle: 'hex32', indent: '  ', declaration: '<?xml version="1.0" encoding="UTF-8"?>',
    endOffset: 86399, envelopeTo: 0.5, humanResult: 0.4, envelopeFrom: true, selector: true, weight: 3,
  },
];
