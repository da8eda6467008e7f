/**
 * The `dmarcpilot` command line: argument parsing only, one file per command. Exit status:
 * 0 success, 1 some input was refused or something was found wrong, 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { registerAccountCommands } from './account-commands.js';
import { registerCheckCommand } from './check-command.js';
import { registerDbCommand } from './db-command.js';
import { registerExportCommand } from './export-command.js';
import { registerIngestCommand } from './ingest-command.js';
import { registerParseCommand } from './parse-command.js';
import { registerPlanCommand } from './plan-command.js';
import { registerQuarantineCommand } from './quarantine-command.js';
import { registerRecordCommand } from './record-command.js';
import { registerReportsCommands } from './reports-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerSummaryCommand } from './summary-command.js';
import { registerSendersCommand } from './senders-command.js';
import { registerApproveCommand, registerDecisionsCommand, registerRejectCommand } from './sender-decision-command.js';
import { readVersion } from './version.js';

export async function main(argv: readonly string[]): Promise<number> {
  // A closed pipe (`dmarcpilot ... | head`) ends the process quietly, as Unix tools do.
  process.stdout.on('error', (caught: NodeJS.ErrnoException) => {
    if (caught.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw caught;
  });
  let status = 0;
  const program = new Command('dmarcpilot')
    .description('Take mail domains from "anyone can send as us" to DMARC enforcement without losing legitimate mail.')
    .version(readVersion(), '-V, --version')
    .showHelpAfterError('(run `dmarcpilot --help` for usage)')
    // Each command's options belong to it: `reports failure show ID --json` is show's --json.
    .enablePositionalOptions()
    .exitOverride();
  registerParseCommand(program, (code) => (status = code));
  registerIngestCommand(program, (code) => (status = code));
  registerSummaryCommand(program, (code) => (status = code));
  registerExportCommand(program, (code) => (status = code));
  registerQuarantineCommand(program, (code) => (status = code));
  registerDbCommand(program, (code) => (status = code));
  registerServeCommand(program, (code) => (status = code));
  registerRecordCommand(program, (code) => (status = code));
  registerCheckCommand(program, (code) => (status = code));
  registerPlanCommand(program, (code) => (status = code));
  registerSendersCommand(program, (code) => (status = code));
  registerApproveCommand(program, (code) => (status = code));
  registerRejectCommand(program, (code) => (status = code));
  registerDecisionsCommand(program, (code) => (status = code));
  registerReportsCommands(program, (code) => (status = code));
  registerAccountCommands(program, (code) => (status = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (caught) {
    if (caught instanceof CommanderError) return caught.exitCode === 0 ? 0 : 2;
    throw caught;
  }
  return status;
}
