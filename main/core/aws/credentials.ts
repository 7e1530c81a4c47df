import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { credentialSdk } from './sdk.js';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How this run reaches AWS: keys the user typed (kept in the OS keychain), a named profile, or the default chain. */
export interface AwsAccess {
  profile?: string;
  keys?: AwsKeys | null;
}

export function credentialsFor(access: AwsAccess | undefined): AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined {
  if (access?.keys) return { ...access.keys };
  if (access?.profile) return credentialSdk().defaultProvider({ profile: access.profile });
  return undefined; // the SDK's own chain: env, AWS_PROFILE, SSO, instance roles
}

/** Profile names from ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE). */
export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const home = homedir();
  const files = [env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'), env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials')];
  const names = new Set<string>();
  for (const [i, file] of files.entries()) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const m of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]\s*$/gm)) {
      const section = m[1];
      if (i === 0) {
        if (section === 'default') names.add('default');
        else if (section.startsWith('profile ')) names.add(section.slice(8).trim());
      } else names.add(section);
    }
  }
  return [...names].sort();
}

/** What the app may show of stored keys: enough to recognise them, never enough to use them. */
export const keyHint = (id: string) => (id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…');
