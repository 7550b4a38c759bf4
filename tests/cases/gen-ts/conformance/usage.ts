import {
  createClient,
  type BoardBundle,
  type JsonValue,
  type Note,
} from "./ts/index.js";

const client = createClient();

export async function use(): Promise<void> {
  const board: BoardBundle = await client.contexts.board.fetch({ board_id: 1n });
  const notes: Note[] = board.board_notes;
  // A member above the context's auth level may be absent.
  const staffNotes: string[] | undefined = board.board_staff_notes;
  const echoed: JsonValue = await client.echo({
    value: { a: [1, "x", null] },
    when: new Date(),
    amount: "1.50",
  });
  const note: Note = await client.add_note({ board_id: 1n, text: "hi" });
  const nothing: null = await client.clear_boards();
  const count: number = await client.stats_counter();
  console.log(notes, staffNotes, echoed, note, nothing, count);

  // @ts-expect-error a Date is not a decimal string
  await client.echo({ value: 1, amount: new Date() });
  // @ts-expect-error a possibly absent member is not always a list
  const always: string[] = board.board_staff_notes;
  console.log(always);
}
