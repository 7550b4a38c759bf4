import {
  createClient,
  type Profile,
  type ProfileInput,
  type Role,
  type UnknownMember,
  type UserBundle,
} from "./ts/index.js";

const client = createClient();

export async function use(file: Blob): Promise<void> {
  const bundle: UserBundle = await client.contexts.user.fetch({ user_id: 7n });
  const role: Role = bundle.user_profile.role;
  if (role !== "member" && role !== "staff" && role !== "admin") {
    // An enum member this client does not know is kept as it came.
    const unknown: UnknownMember = role;
    console.log(unknown);
  }
  const texts: (string | null)[] = client.contexts.user.keyTexts({
    user_id: 7n,
  });
  await client.set_avatar({ user_id: 7n, file });
  // A record argument takes the Input variant: what the server sends fits.
  const profile: Profile = await client.tag_profile({
    profile: bundle.user_profile,
  });
  const input: Partial<ProfileInput> = { role: "staff" };
  const verdict = client.forms.MemberForm.validate({ user_id: 3 });
  console.log(texts, profile, input, verdict);

  // @ts-expect-error an upload is a Blob
  await client.set_avatar({ user_id: 7n, file: "avatar.png" });
}
