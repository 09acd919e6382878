// A frontend's client of this API, as a frontend would write it: types generated from
// /api/v1/openapi.json by openapi-typescript (generated/api.d.ts, by scripts/openapi-check.sh)
// and openapi-fetch. `make test` type-checks it with tsc; it is never run. The
// `@ts-expect-error` lines prove the types are real: tsc fails if those mistakes compile.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./generated/api";

type Chat = components["schemas"]["Chat"];
type ErrorBody = components["schemas"]["ErrorBody"];

export function api(token?: string) {
  return createClient<paths>({
    baseUrl: "http://127.0.0.1:3000",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

export async function signIn(email: string, password: string): Promise<string> {
  const { data, error } = await api().POST("/api/v1/auth/login", { body: { email, password } });
  if (error) throw new Error(describe(error));
  return data.token;
}

export async function recentChats(token: string, projectId?: string): Promise<Chat[]> {
  const query: operations["chats-list"]["parameters"]["query"] = { limit: 20 };
  if (projectId) query.project_id = projectId;
  const { data, error } = await api(token).GET("/api/v1/chats", { params: { query } });
  if (error) throw new Error(describe(error));
  return data.items;
}

export async function renameChat(token: string, id: string, title: string): Promise<Chat> {
  const { data, error } = await api(token).PATCH("/api/v1/chats/{id}", {
    params: { path: { id } },
    body: { title },
  });
  if (error) throw new Error(describe(error));
  return data;
}

export async function health(): Promise<string> {
  const { data, error } = await api().GET("/api/v1/health");
  if (error) throw new Error(describe(error));
  return data.status;
}

function describe(error: ErrorBody): string {
  return `${error.error.code}: ${error.error.message}`;
}

export async function mistakes(token: string) {
  // @ts-expect-error the password is a string
  await api().POST("/api/v1/auth/login", { body: { email: "a@example.com", password: 1 } });
  // @ts-expect-error there is no such path
  await api(token).GET("/api/v1/chat");
  // @ts-expect-error the path parameter is required
  await api(token).GET("/api/v1/chats/{id}", {});
}
