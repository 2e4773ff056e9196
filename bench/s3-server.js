// The local S3 API in a process of its own, so the benchmark's CPU time is the publisher's.

const S3rver = require('s3rver');
const { addS3rverCredentials, retainDesFallback } = require('../dist/local/s3rver-compat.js');
const directory = process.argv[2];
addS3rverCredentials('feedgen', 'feedgen');
retainDesFallback();
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: 'feedgen-articles' }, { name: 'feedgen-feeds' }],
});
server.run().then(({ port }) => process.stdout.write(`${port}\n`));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
