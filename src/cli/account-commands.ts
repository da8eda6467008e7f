/**
 * Accounts on the command line, for the machine's operator (docs/api.md, "Accounts"):
 *
 *   dmarcpilot user add EMAIL [--admin] [--operator] [--name NAME] [--password-stdin]
 *   dmarcpilot user list | user disable EMAIL | user enable EMAIL | user password EMAIL [--password-stdin]
 *   dmarcpilot org add SLUG NAME | org list
 *   dmarcpilot org member ORG EMAIL ROLE | org member ORG EMAIL --remove | org members ORG
 *   dmarcpilot org domain add ORG DOMAIN | org domain verify ORG DOMAIN | org domains ORG
 *   dmarcpilot token add ORG NAME [--write] [--days N] | token list ORG | token revoke ORG ID
 *
 * The command line acts as the instance's operator (whoever runs it can read the store anyway) and
 * is audited as `cli`. Without --password-stdin a new user gets a random password, printed once.
 * `user add --admin` makes the first administrator: an instance operator who owns the default
 * organisation (the one that sees every domain).
 */
import type { Command } from 'commander';
import type { AccountsContext, MemberRole } from '../app/accounts/accounts.js';
import {
  addFirstAdministrator,
  addUser,
  createApiToken,
  createOrganization,
  findUser,
  listApiTokens,
  listMembers,
  listOrganizationsFor,
  listUsers,
  organizationFor,
  requireRole,
  revokeApiToken,
  setMember,
  setPassword,
  setUserDisabled,
} from '../app/accounts/accounts.js';
import { CLI } from '../app/accounts/access.js';
import { accountsContextFor } from '../app/accounts/accounts-context.js';
import { claimDomain, listDomainClaims, verificationRecord, verifyDomainByDns } from '../app/accounts/domain-ownership.js';
import { eachItem } from '../app/paging.js';
import { randomToken } from '../core/secrets.js';
import { addStoreOptions, withApp } from './app-runner.js';
import { printJson, printOut, safe } from './output.js';

interface StoreFlags {
  db?: string;
  config?: string;
}

type SetStatus = (code: number) => void;

function withAccounts(name: string, options: StoreFlags, setStatus: SetStatus, body: (accounts: AccountsContext) => Promise<number>, create = false): Promise<void> {
  return withApp(name, { db: options.db, config: options.config }, setStatus, async (app) => body(await accountsContextFor(app)), { create });
}

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

export function registerAccountCommands(program: Command, setStatus: SetStatus): void {
  const user = program.command('user').description('Users of the HTTP API and dashboard (docs/api.md)');
  addStoreOptions(
    user
      .command('add <email>')
      .description('Add a user; without --password-stdin a random password is printed once')
      .option('--admin', 'the first administrator: an instance operator who owns the default organisation')
      .option('--operator', 'an instance operator (reads every organisation, creates them)')
      .option('--name <name>', 'how the user is shown (default: the e-mail address)')
      .option('--password-stdin', 'read the password from the first line of standard input'),
  ).action(async (email: string, options: StoreFlags & { admin?: boolean; operator?: boolean; name?: string; passwordStdin?: boolean }) => {
    await withAccounts(
      'user add',
      options,
      setStatus,
      async (accounts) => {
        const generated = options.passwordStdin ? undefined : randomToken(18);
        const password = generated ?? (await readPasswordFromStdin());
        const input = { email, password, ...(options.name !== undefined ? { name: options.name } : {}), operator: options.operator === true };
        const added = options.admin ? await addFirstAdministrator(accounts, CLI, input) : await addUser(accounts, CLI, input);
        printOut(safe`added ${added.email} (user ${String(added.id)}${added.operator ? ', instance operator' : ''}${options.admin ? ', owner of the default organisation' : ''})\n`);
        if (generated !== undefined) printOut(safe`password (shown once): ${generated}\n`);
        return 0;
      },
      true,
    );
  });
  addStoreOptions(user.command('list').description('Every user').option('--json', 'JSON lines')).action(async (options: StoreFlags & { json?: boolean }) => {
    await withAccounts('user list', options, setStatus, async (accounts) => {
      for await (const u of eachItem((page) => listUsers(accounts, CLI, page))) {
        if (options.json) printJson(u);
        else printOut(`${safe`${u.email}\t${u.name}`}${u.operator ? '\toperator' : ''}${u.disabled ? '\tdisabled' : ''}\n`);
      }
      return 0;
    });
  });
  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    addStoreOptions(user.command(`${verb} <email>`).description(disabled ? 'Stop a user signing in (ends their sessions)' : 'Let a disabled user sign in again')).action(
      async (email: string, options: StoreFlags) => {
        await withAccounts(`user ${verb}`, options, setStatus, async (accounts) => {
          const u = await setUserDisabled(accounts, CLI, (await findUser(accounts, email)).id, disabled);
          printOut(safe`${u.email}: ${disabled ? 'disabled' : 'enabled'}\n`);
          return 0;
        });
      },
    );
  }
  addStoreOptions(user.command('password <email>').description("Set a user's password (ends their sessions)").option('--password-stdin', 'read it from standard input')).action(
    async (email: string, options: StoreFlags & { passwordStdin?: boolean }) => {
      await withAccounts('user password', options, setStatus, async (accounts) => {
        const generated = options.passwordStdin ? undefined : randomToken(18);
        const u = await setPassword(accounts, CLI, (await findUser(accounts, email)).id, generated ?? (await readPasswordFromStdin()));
        printOut(safe`${u.email}: password changed${generated !== undefined ? safe` to (shown once): ${generated}` : ''}\n`);
        return 0;
      });
    },
  );

  const org = program.command('org').description('Organisations, their members and their domains (docs/api.md)');
  addStoreOptions(org.command('add <slug> <name>').description('Create an organisation').option('--owner <email>', 'make this existing user its first owner')).action(async (slug: string, name: string, options: StoreFlags & { owner?: string }) => {
    await withAccounts(
      'org add',
      options,
      setStatus,
      async (accounts) => {
        const made = await createOrganization(accounts, CLI, { slug, name, owner: options.owner });
        printOut(safe`created ${made.slug} (${made.name})\n`);
        return 0;
      },
      true,
    );
  });
  addStoreOptions(org.command('list').description('Every organisation').option('--json', 'JSON lines')).action(async (options: StoreFlags & { json?: boolean }) => {
    await withAccounts('org list', options, setStatus, async (accounts) => {
      for await (const o of eachItem((page) => listOrganizationsFor(accounts, CLI, page))) {
        if (options.json) printJson(o);
        else printOut(`${safe`${o.slug}\t${o.name}`}${o.allDomains ? '\t(sees every domain)' : ''}\n`);
      }
      return 0;
    });
  });
  addStoreOptions(org.command('member <org> <email> [role]').description(`Give a user a role (owner, admin, analyst, viewer), or --remove it`).option('--remove', 'remove the user from the organisation')).action(
    async (slug: string, email: string, role: string | undefined, options: StoreFlags & { remove?: boolean }) => {
      await withAccounts('org member', options, setStatus, async (accounts) => {
        const o = await organizationFor(accounts, CLI, slug);
        const wanted: MemberRole | null = options.remove ? null : requireRole(role ?? '', 'role');
        const m = await setMember(accounts, CLI, o.id, email, wanted);
        printOut(m === undefined ? safe`${email}: removed from ${o.slug}\n` : safe`${m.email}: ${m.role} of ${o.slug}\n`);
        return 0;
      });
    },
  );
  addStoreOptions(org.command('members <org>').description("The organisation's members")).action(async (slug: string, options: StoreFlags) => {
    await withAccounts('org members', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      for await (const m of eachItem((page) => listMembers(accounts, CLI, o.id, page))) printOut(safe`${m.email}\t${m.role}\n`);
      return 0;
    });
  });
  const domain = org.command('domain').description("An organisation's domains and their proof of ownership");
  addStoreOptions(domain.command('add <org> <domain>').description('Claim a domain: prints the TXT record that proves it')).action(async (slug: string, name: string, options: StoreFlags) => {
    await withAccounts('org domain add', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      const claim = await claimDomain(accounts, CLI, o.id, name);
      const record = verificationRecord(claim);
      printOut(claim.verifiedAt !== null ? safe`${claim.domain}: already proven for ${o.slug}\n` : safe`${claim.domain}: waiting for proof. Publish\n  ${record.name}. IN TXT "${record.value}"\nthen run: dmarcpilot org domain verify ${o.slug} ${claim.domain}\n`);
      return 0;
    });
  });
  addStoreOptions(domain.command('verify <org> <domain>').description('Look the TXT record up now')).action(async (slug: string, name: string, options: StoreFlags) => {
    await withAccounts('org domain verify', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      const claim = await verifyDomainByDns(accounts, CLI, o.id, name);
      printOut(claim.verifiedAt !== null ? safe`${claim.domain}: proven (${claim.method ?? ''}); ${o.slug} now sees its reports\n` : safe`${claim.domain}: not proven: ${claim.checkError ?? ''}\n`);
      return claim.verifiedAt !== null ? 0 : 1;
    });
  });
  addStoreOptions(org.command('domains <org>').description("The organisation's domains")).action(async (slug: string, options: StoreFlags) => {
    await withAccounts('org domains', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      for await (const c of eachItem((page) => listDomainClaims(accounts, CLI, o.id, page))) {
        printOut(c.verifiedAt !== null ? safe`${c.domain}\tproven (${c.method ?? ''})\n` : `${safe`${c.domain}\twaiting for proof`}${c.checkError !== null ? safe`: ${c.checkError}` : ''}\n`);
      }
      return 0;
    });
  });

  const token = program.command('token').description("API tokens of an organisation (docs/api.md)");
  addStoreOptions(
    token
      .command('add <org> <name>')
      .description('Create a token (read-only unless --write); it is printed once')
      .option('--write', 'read-write: may also decide senders and upload reports')
      .option('--days <n>', 'expires after this many days'),
  ).action(async (slug: string, name: string, options: StoreFlags & { write?: boolean; days?: string }) => {
    await withAccounts('token add', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      const made = await createApiToken(accounts, CLI, o.id, { name, access: options.write ? 'write' : 'read', ...(options.days !== undefined ? { expiresInDays: Number(options.days) } : {}) });
      printOut(safe`token ${made.info.id} for ${o.slug} (${made.info.access}${made.info.expiresAt ? safe`, expires ${made.info.expiresAt.toISOString()}` : ''}); shown once:\n${made.token}\n`);
      return 0;
    });
  });
  addStoreOptions(token.command('list <org>').description("The organisation's tokens")).action(async (slug: string, options: StoreFlags) => {
    await withAccounts('token list', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      for await (const t of eachItem((page) => listApiTokens(accounts, CLI, o.id, page))) {
        printOut(`${safe`${t.id}\t${t.name}\t${t.access}`}${t.revokedAt ? '\trevoked' : ''}${t.lastUsedAt ? `\tlast used ${t.lastUsedAt.toISOString()}` : ''}\n`);
      }
      return 0;
    });
  });
  addStoreOptions(token.command('revoke <org> <id>').description('Revoke a token')).action(async (slug: string, id: string, options: StoreFlags) => {
    await withAccounts('token revoke', options, setStatus, async (accounts) => {
      const o = await organizationFor(accounts, CLI, slug);
      const t = await revokeApiToken(accounts, CLI, o.id, id);
      printOut(safe`${t.id}: revoked\n`);
      return 0;
    });
  });
}
