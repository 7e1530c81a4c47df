import type { StoreSpec } from '../pipeline/settings.js';
import type { ImageStore } from './image-store.js';
import { type AwsAccess, credentialsFor } from '../aws/credentials.js';
import { LocalFolderStore } from './local-folder.js';
import { S3Store } from './s3.js';

export function createStore(spec: StoreSpec, localRoot: string, access?: AwsAccess): ImageStore {
  return spec.kind === 's3'
    ? new S3Store({ bucket: spec.bucket, prefix: spec.prefix, region: spec.region, endpoint: spec.endpoint, credentials: credentialsFor(access) })
    : new LocalFolderStore(localRoot);
}
