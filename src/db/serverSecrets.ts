// Secrets the server makes for itself: made once by whichever process starts first, then read
// by every process of the deployment from the database they share.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';

/** The 32-byte secret called `name`, made at random the first time it is asked for. */
export async function serverSecret(prisma: PrismaClient, name: string): Promise<Buffer> {
  await prisma.serverSecret.createMany({ data: [{ name, value: randomBytes(32).toString('base64url') }], skipDuplicates: true });
  const { value } = await prisma.serverSecret.findUniqueOrThrow({ where: { name } });
  return Buffer.from(value, 'base64url');
}
