import { createRequire } from 'node:module';

// The AWS SDK takes ~150 ms to load, which every command and the app's start would pay; most runs (a local
// model, the local store) never use it. Loaded on first use instead, synchronously so constructors stay so.
const require = createRequire(import.meta.url);

export const s3Sdk = () => require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
export const sageMakerSdk = () => require('@aws-sdk/client-sagemaker-runtime') as typeof import('@aws-sdk/client-sagemaker-runtime');
export const httpHandlerSdk = () => require('@smithy/node-http-handler') as typeof import('@smithy/node-http-handler');
export const credentialSdk = () => require('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node');
