import { createServer, type Server, type Socket } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { LAMBDA_S3_TIMEOUTS, lambdaS3Client } from '../../shared/adapters/s3-client';

describe("the Lambda functions' S3 client", () => {
  let server: Server;
  const sockets: Socket[] = [];
  let port = 0;

  beforeAll(async () => {
    // An "S3" that accepts connections and never answers.
    server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up on a request that gets no answer, instead of waiting for the Lambda timeout', async () => {
    // GIVEN the client the handlers build, with shorter limits, against the silent server
    const client = lambdaS3Client(
      {
        endpoint: `http://127.0.0.1:${port}`,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        maxAttempts: 1,
      },
      { connectionTimeout: 200, requestTimeout: 300 },
    );
    // WHEN it reads an object THEN the request fails with a timeout that S3Store retries
    await expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    client.destroy();
  });

  it('has limits by default, well inside the 60 s the publish function may run', () => {
    expect(LAMBDA_S3_TIMEOUTS.requestTimeout).toBeLessThanOrEqual(15_000);
    expect(LAMBDA_S3_TIMEOUTS.connectionTimeout).toBeLessThanOrEqual(LAMBDA_S3_TIMEOUTS.requestTimeout);
  });
});
