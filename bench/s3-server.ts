// The local S3 API in a process of its own, so the benchmark's CPU time is the publisher's:
// s3rver, behind the gateway that gives it S3's conditional writes and atomic objects
// (test/faults/helpers/s3-gateway.ts), so the publisher sends exactly the requests it
// would send to S3. Prints the gateway's port.
import S3rver from 's3rver';
import { addS3rverCredentials, retainDesFallback } from '../local/s3rver-compat';
import { startGateway } from '../test/faults/helpers/s3-gateway';

const directory = process.argv[2];
const credentials = { accessKeyId: 'feedgen', secretAccessKey: 'feedgen' };
addS3rverCredentials(credentials.accessKeyId, credentials.secretAccessKey);
retainDesFallback();
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: 'feedgen-articles' }, { name: 'feedgen-feeds' }],
});
server.run().then(async ({ port }) => {
  const gateway = await startGateway({ upstream: `http://127.0.0.1:${port}`, credentials });
  process.stdout.write(`${new URL(gateway.url).port}\n`);
  process.on('SIGTERM', () => {
    void gateway
      .close()
      .then(() => server.close())
      .then(() => process.exit(0));
  });
});
