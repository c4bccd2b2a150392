// The coverage report as a person reads it: the ledger it checked against, the counts, one row per agent.
import { STATUSES, type CoverageReport } from './index.js';
import { clip, table } from '../util/text.js';

/** Every agent (all: true), or only those not re-enrolled, as table lines. */
export function coverageLines(report: CoverageReport, opts: { all: boolean }): string[] {
  const lines = [
    `Coverage: ${report.agents.length} agents signed by the old CA (ledger of ${report.ledger.recorded_at}, ${report.ledger.file})`,
    `  ${STATUSES.map((s) => `${report.counts[s]} ${s}`).join(', ')}`,
  ];
  if (report.error) lines.push(`  could not check against the new CA: ${report.error}`);
  const rows = report.agents.filter((a) => opts.all || a.status !== 're-enrolled').map((a) => [
    a.certname, a.status, a.status === 're-enrolled' ? `new certificate ${a.fingerprint ?? '?'}` : clip(`${a.step ? `step '${a.step}': ` : ''}${a.detail ?? ''}`, 110),
  ]);
  if (rows.length > 0) lines.push(...table(['AGENT', 'COVERAGE', 'DETAIL'], rows).map((l) => `  ${l}`));
  return lines;
}
