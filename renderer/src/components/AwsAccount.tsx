import { useEffect, useState } from 'react';
import type { KeyStatus } from '../../../preload/ipc-contract';
import { bench, errorText } from '../bench';

/** Which AWS identity runs use: the default chain, a named profile, or keys kept in the OS keychain. */
export function AwsAccount({ onError }: { onError: (m: string) => void }) {
  const [profiles, setProfiles] = useState<string[]>([]);
  const [profile, setProfile] = useState('');
  const [status, setStatus] = useState<KeyStatus | null>(null);
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');

  useEffect(() => {
    bench().aws.profiles().then((p) => {
      setProfiles(p.profiles);
      setProfile(p.selected ?? '');
    }, () => {});
    bench().aws.keyStatus().then(setStatus, () => {});
  }, []);

  const save = async () => {
    try {
      setStatus(await bench().aws.setKeys({ accessKeyId: keyId.trim(), secretAccessKey: secret }));
      setKeyId('');
      setSecret(''); // the secret leaves the page as soon as main has it
    } catch (e) {
      onError(errorText(e));
    }
  };

  return (
    <fieldset>
      <legend>AWS account</legend>
      <label>
        Profile{' '}
        <select
          value={profile}
          onChange={(e) => {
            setProfile(e.target.value);
            void bench().settings.set({ awsProfile: e.target.value });
          }}
        >
          <option value="">Default chain (environment, AWS_PROFILE, SSO)</option>
          {profiles.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      {status?.stored ? (
        <div className="row">
          <span data-testid="key-status">Keys {status.hint} are kept in the OS keychain and used instead of the profile.</span>
          <button onClick={async () => setStatus(await bench().aws.clearKeys())}>Forget keys</button>
        </div>
      ) : (
        <div className="row">
          <label>
            Access key id <input value={keyId} onChange={(e) => setKeyId(e.target.value)} autoComplete="off" spellCheck={false} />
          </label>
          <label>
            Secret <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" />
          </label>
          <button disabled={!keyId || !secret || status?.keychain === false} onClick={save}>
            Keep in keychain
          </button>
          {status?.keychain === false ? <span className="hint">No OS keychain here: use a profile.</span> : <span className="hint">Optional; a profile or SSO is better.</span>}
        </div>
      )}
    </fieldset>
  );
}
