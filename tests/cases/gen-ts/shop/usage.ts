import {
  createClient,
  MizanError,
  type Currency,
  type CustomerBundle,
  type CustomerProfile,
  type MoneyInput,
  type ProfileFormValues,
} from "./ts/index.js";

const client = createClient({ baseUrl: "http://localhost:8000" });

export async function use(): Promise<void> {
  const bundle: CustomerBundle = await client.contexts.customer.fetch({
    customer_id: 42n,
  });
  const profile: CustomerProfile = bundle.customer_profile;
  const id: bigint = profile.id;
  const optIn: boolean = profile.marketing_opt_in;
  const updated: CustomerProfile = await client.update_profile({
    customer_id: id,
    display_name: "Ada",
    email: "ada@example.com",
  });
  const same: CustomerProfile = await client.functions.update_profile({
    customer_id: 1n,
    display_name: "Ada",
    email: "ada@example.com",
    website: null,
    marketing_opt_in: optIn,
  });
  const health: string = await client.health();
  const price: MoneyInput = { amount: "9.90" };
  const currency: Currency = "EUR";
  const keys: readonly unknown[] = client.contexts.customer.queryKey({
    customer_id: 1n,
  });
  const values: ProfileFormValues = client.forms.ProfileForm.schema().fields
    .length
    ? ({} as ProfileFormValues)
    : ({} as ProfileFormValues);
  const verdict = client.forms.ProfileForm.validate({});
  if (!verdict.valid) console.log(verdict.errors);
  const submitted: CustomerProfile = await client.forms.ProfileForm.submit(values);
  console.log(updated, same, health, price, currency, keys, submitted);

  // @ts-expect-error int64 params are bigints
  await client.update_profile({ customer_id: 1, display_name: "A", email: "e" });
  // @ts-expect-error a required param is missing
  await client.update_profile({ customer_id: 1n });
  // @ts-expect-error not a member of the enum
  const wrong: Currency = "XXX";
  // @ts-expect-error the context takes its key
  await client.contexts.customer.fetch();
  // @ts-expect-error a bundle member is the function's result type
  const notANumber: number = bundle.customer_profile;
  console.log(wrong, notANumber);
  try {
    await client.runtime.login({ username: "ada", password: "secret" });
  } catch (error) {
    if (error instanceof MizanError && error.is("unauthenticated")) {
      console.log(error.details.reason);
    }
  }
}
