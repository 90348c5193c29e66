import { Router } from 'express';
import { z } from 'zod';
import { type Db } from '../../infra/db';
import { hashPassword, verifyPassword } from '../../infra/passwords';
import { type TokenService } from '../auth';
import { Problem } from '../problem';
import { body } from '../validate';

export const loginRequestSchema = z.object({
  username: z.string().min(1).max(150),
  password: z.string().min(1).max(200),
});

export const registerRequestSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.-]{3,150}$/, 'letters, digits, _ . - ; 3 to 150 characters'),
  email: z.string().email().max(254).optional(),
  password: z.string().min(10, 'at least 10 characters').max(200),
});

// A fixed hash to compare against when the user does not exist, so timing does not reveal usernames.
const DUMMY_HASH_PROMISE = hashPassword('not-a-real-password');

export function authRouter(db: Db, tokens: TokenService): Router {
  const router = Router();

  router.post('/login/', body(loginRequestSchema), async (req, res) => {
    const { username, password } = req.body as z.infer<typeof loginRequestSchema>;
    const user = await db.user.findUnique({ where: { username } });
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok || !user.isActive || !user.passwordHash) throw new Problem('invalid_credentials');
    const { token, expiresIn } = await tokens.issue({ userId: user.id, username: user.username, role: user.role });
    res.json({ access: token, access_token: token, token_type: 'Bearer', expires_in: expiresIn, role: user.role, user_id: user.id });
  });

  router.post('/register/', body(registerRequestSchema), async (req, res) => {
    const input = req.body as z.infer<typeof registerRequestSchema>;
    const taken = await db.user.findFirst({ where: { OR: [{ username: input.username }, ...(input.email ? [{ email: input.email }] : [])] } });
    if (taken) throw new Problem('conflict', 'That username or email is already registered');
    const user = await db.user.create({
      data: { username: input.username, email: input.email ?? null, passwordHash: await hashPassword(input.password), role: 'customer', wallet: { create: {} } },
    });
    const { token, expiresIn } = await tokens.issue({ userId: user.id, username: user.username, role: user.role });
    res.status(201).json({ id: user.id, username: user.username, role: user.role, access: token, access_token: token, token_type: 'Bearer', expires_in: expiresIn });
  });

  return router;
}
