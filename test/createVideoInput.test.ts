import { ValidationError } from '../src/errors.js';
import { parseCreateVideoInput } from '../src/videos/createVideoInput.js';

function fieldsOf(raw: unknown): string[] {
  try {
    parseCreateVideoInput(raw);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields.map((f) => f.field);
    throw error;
  }
  return [];
}

test('defaults durationSeconds to 10 and accepts the inclusive limits', () => {
  expect(parseCreateVideoInput({ title: 'a', plot: '' })).toEqual({ title: 'a', plot: '', durationSeconds: 10 });
  expect(parseCreateVideoInput({ title: 'a', plot: '', durationSeconds: null })).toEqual({ title: 'a', plot: '', durationSeconds: 10 });
  expect(parseCreateVideoInput({ title: 't'.repeat(200), plot: 'p'.repeat(5000), durationSeconds: 300 }).durationSeconds).toBe(300);
  expect(parseCreateVideoInput({ title: 'x', plot: 'y', durationSeconds: 1 }).durationSeconds).toBe(1);
});

test('counts characters, not UTF-16 units: 200 emoji are a valid title, 201 are not', () => {
  expect(fieldsOf({ title: '🎬'.repeat(200), plot: '' })).toEqual([]);
  expect(fieldsOf({ title: '🎬'.repeat(201), plot: '' })).toEqual(['title']);
});

test('names every field at fault at once', () => {
  expect(fieldsOf({ title: '', plot: 5, durationSeconds: 999, extra: true })).toEqual(['extra', 'title', 'plot', 'durationSeconds']);
  expect(fieldsOf(null)).toEqual(['body']);
  expect(fieldsOf('title')).toEqual(['body']);
});
