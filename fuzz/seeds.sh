#!/usr/bin/env bash
# Builds each fuzz target's seed corpus in <build>/corpus/<target>/ from the golden fixtures
# (../shared/fixtures or $PICTOR_FIXTURES; read here, never copied into the repository), the
# hand-written seeds of fuzz/corpus/<target>/ (the tests' bad-file cases, regression inputs), and
# generated ones (small torch.save archives, pickles of every opcode family, PNG/JPEG variants).
# Large fixture files are cut down to small valid files of the same kind (a few tensors of a
# safetensors file, keys of a checkpoint's header) so that libFuzzer's mutations stay fast.
# Usage: fuzz/seeds.sh <build-fuzz folder>   (after the targets are built: seed_images runs here)
set -euo pipefail
build=$(cd "${1:?usage: fuzz/seeds.sh <build-fuzz folder>}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${PICTOR_FIXTURES:-$here/../../shared/fixtures}
corpus=$build/corpus
rm -rf "$corpus"
targets="safetensors pickle torch_checkpoint png jpeg model_config settings clip_tokenizer a1111_parameters
         prompt_syntax ldm_yaml ldm_key_map lora"
for t in $targets; do
  mkdir -p "$corpus/fuzz_$t"
  if [ -d "$here/corpus/fuzz_$t" ]; then cp "$here/corpus/fuzz_$t"/* "$corpus/fuzz_$t/" 2>/dev/null || true; fi
done
"$build/fuzz/seed_images" "$corpus/fuzz_png" "$corpus/fuzz_jpeg"
cp "$here/../resources/default_settings.yaml" "$corpus/fuzz_settings/default_settings.yaml"
if [ ! -d "$fixtures" ]; then
  echo "seeds.sh: no fixtures at $fixtures; hand-written and generated seeds only" >&2
fi
PICTOR_TESTS=$here/../tests python3 - "$fixtures" "$corpus" <<'PY'
import glob, json, os, pickle, struct, sys, warnings, zipfile
warnings.simplefilter('ignore', DeprecationWarning)  # unicode_escape on C++ literals such as "\\("
fixtures, corpus = sys.argv[1], sys.argv[2]
have = os.path.isdir(fixtures)

def out(target, name, data):
    mode = 'wb' if isinstance(data, bytes) else 'w'
    with open(os.path.join(corpus, 'fuzz_' + target, name), mode) as f:
        f.write(data)

def fx(pattern):
    return sorted(glob.glob(os.path.join(fixtures, pattern), recursive=True)) if have else []

def st_header(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        return json.loads(f.read(n)), 8 + n

def st_small(path, max_tensors=6, max_bytes=4096):
    # The first tensors of a fixture (by offset) that fit max_bytes, as a valid safetensors file.
    header, start = st_header(path)
    meta = header.pop('__metadata__', None)
    entries = sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0])
    keep, data = {}, b''
    with open(path, 'rb') as f:
        for name, e in entries:
            b, e_ = e['data_offsets']
            if e_ - b > max_bytes or len(keep) >= max_tensors: continue
            f.seek(start + b)
            keep[name] = dict(e, data_offsets=[len(data), len(data) + e_ - b])
            data += f.read(e_ - b)
    if meta is not None: keep['__metadata__'] = meta
    h = json.dumps(keep, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + data

# The tests' own inputs: the string literals of a test source (raw R"(...)" and plain "..."), the
# bad headers, prompts, parameter texts and yaml documents the unit tests feed the parsers.
import re
tests = os.environ['PICTOR_TESTS']
def literals(test_file, min_len=4):
    src = open(os.path.join(tests, test_file), encoding='utf-8').read()
    found = [m.group(2) for m in re.finditer(r'R"([^(\s]{0,8})\((.*?)\)\1"', src, re.S)]
    for m in re.finditer(r'(?<![R\w])"((?:[^"\\\n]|\\.)*)"', src):
        try: found.append(bytes(m.group(1), 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8'))
        except (UnicodeDecodeError, UnicodeEncodeError): pass
    return [f for f in dict.fromkeys(found) if len(f) >= min_len]
def add_literals(target, test_file, prefix=b'', wrap=lambda b: b):
    for i, lit in enumerate(literals(test_file)):
        out(target, 'test_%s_%03d' % (os.path.splitext(os.path.basename(test_file))[0], i), prefix + wrap(lit.encode()))
add_literals('safetensors', 'io/test_safetensors.cpp',
             wrap=lambda h: struct.pack('<Q', len(h)) + h + bytes(16) if h.startswith(b'{') else h)
add_literals('model_config', 'io/test_json_config.cpp')
add_literals('a1111_parameters', 'image/test_a1111_parameters.cpp')
add_literals('settings', 'settings/test_settings.cpp')
add_literals('prompt_syntax', 'text/test_prompt_attention.cpp')
add_literals('prompt_syntax', 'text/test_prompt_chunks.cpp')
add_literals('clip_tokenizer', 'text/test_clip_tokenizer.cpp', prefix=b'\x00')
add_literals('ldm_key_map', 'io/test_ldm_key_map.cpp', prefix=b'\x01\x03')

# --- safetensors: small valid files cut from the fixtures' real headers
for i, p in enumerate(fx('**/*.safetensors')[:24]):
    out('safetensors', 'fixture_%02d_%s' % (i, os.path.basename(p)), st_small(p))

# --- pickles: a pickle builder for torch.save's data.pkl (protocol 2, as torch writes it)
def pk_str(s): b = s.encode(); return b'X' + struct.pack('<I', len(b)) + b
def pk_int(v): return b'K' + bytes([v]) if 0 <= v < 256 else b'J' + struct.pack('<i', v)
def pk_ints(vs): return b'(' + b''.join(pk_int(v) for v in vs) + b't'
def pk_global(m, n): return b'c' + m.encode() + b'\n' + n.encode() + b'\n'
def pk_tensor(stype, key, numel, offset, size, stride):
    return (pk_global('torch._utils', '_rebuild_tensor_v2') + b'(' +
            b'(' + pk_str('storage') + pk_global('torch', stype) + pk_str(key) + pk_str('cpu') + pk_int(numel) + b't' + b'Q' +
            pk_int(offset) + pk_ints(size) + pk_ints(stride) + b'\x89' + pk_global('collections', 'OrderedDict') + b')R' + b'tR')
def state_dict(items, nested=False):
    body = b'\x80\x02' + pk_global('collections', 'OrderedDict') + b')R' + b'q\x00('
    for name, t in items: body += pk_str(name) + t
    body += b'u'
    if nested: body = b'\x80\x02}(' + pk_str('state_dict') + body[2:] + pk_str('epoch') + pk_int(3) + b'u'
    return body + b'.'
sd1 = state_dict([('w', pk_tensor('FloatStorage', '0', 6, 0, [2, 3], [3, 1])),
                  ('b', pk_tensor('HalfStorage', '1', 3, 0, [3], [1])),
                  ('view', pk_tensor('FloatStorage', '0', 6, 1, [2, 2], [1, 2]))])
sd2 = state_dict([('model.x', pk_tensor('LongStorage', '0', 2, 0, [2], [1])),
                  ('n', pk_tensor('BoolStorage', '1', 4, 0, [2, 2], [2, 1]))], nested=True)
recs1 = [struct.pack('<6f', *range(6)), struct.pack('<3e', 1, 2, 3)]
recs2 = [struct.pack('<2q', 7, -7), bytes([1, 0, 2, 1])]
def torch_zip(pkl, records):
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
        z.writestr('archive/data.pkl', pkl)
        z.writestr('archive/byteorder', 'little')
        for i, r in enumerate(records): z.writestr('archive/data/%d' % i, r)
        z.writestr('archive/version', '3\n')
    return buf.getvalue()
for i, (pkl, recs) in enumerate([(sd1, recs1), (sd2, recs2)]):
    out('pickle', 'state_dict_%d.pkl' % i, pkl)
    out('torch_checkpoint', 'structured_%d' % i, b'\x01' + pkl + b''.join(b'\nREC\n' + r for r in recs))
    out('torch_checkpoint', 'zip_%d.pt' % i, b'\x00' + torch_zip(pkl, recs))
# Python's own pickles of plain data: every protocol, so every opcode family appears.
plain = {'a': [1, -2, 3.5, None, True, False], 'b': (b'bytes', 'str\u00e9', 2**40, -2**70), 'c': {1: {2: [3]}}, 'd': frozenset()}
for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
    out('pickle', 'python_protocol_%d.pkl' % proto, pickle.dumps(plain, protocol=proto))
# The real data.pkl of the single-file fixture checkpoint.
for p in fx('single-file/*.ckpt'):
    with zipfile.ZipFile(p) as z:
        name = [n for n in z.namelist() if n.endswith('/data.pkl')][0]
        out('pickle', 'fixture_sd_tiny_data.pkl', z.read(name))

# --- PNG: the small fixture images (the generated variants come from seed_images)
for i, p in enumerate(q for q in fx('**/*.png') if os.path.getsize(q) <= 20000):
    if i < 12: out('png', 'fixture_%02d_%s' % (i, os.path.basename(p)), open(p, 'rb').read())

# --- config.json of every model family, scheduler configs
for i, p in enumerate(fx('**/*.json')):
    if os.path.getsize(p) > 8192: continue
    out('model_config', 'fixture_%03d_%s' % (i, os.path.basename(p)), open(p, 'rb').read())

# --- CLIP tokenizer: the reference cases' texts (mode byte 0) and a small vocabulary (mode 1)
texts = []
for p in fx('clip-tokenizer/tokenize_cases.json'):
    texts += [c['text'] for c in json.load(open(p))['cases']]
prompts = []
for p in fx('prompt-weights/expected.json'):
    d = json.load(open(p))
    prompts += [c['prompt'] for c in d['cases'] + d.get('negative_cases', [])]
for i, t in enumerate(texts[:300]):
    out('clip_tokenizer', 'case_%03d' % i, b'\x00' + t.encode('utf-8', 'surrogatepass'))
vocab = {'a</w>': 0, 'b</w>': 1, 'ab</w>': 2, 'a': 3, 'b': 4, '<|startoftext|>': 5, '<|endoftext|>': 6, '!': 7}
out('clip_tokenizer', 'small_vocab', b'\x01' + json.dumps(vocab).encode() + b'\0#version: 0.2\na b</w>\na b\n\0ab ba a!b')

# --- prompt syntax: the A1111 reference prompts
for i, t in enumerate(prompts):
    out('prompt_syntax', 'case_%03d' % i, t.encode('utf-8', 'surrogatepass'))

# --- LDM yaml: the fixture's sidecar yaml
for p in fx('single-file/*.yaml'):
    out('ldm_yaml', 'fixture_' + os.path.basename(p), open(p, 'rb').read())

# --- LDM key map: every key of the single-file checkpoint, with layout bytes (2 layers, 4 levels)
for p in fx('single-file/*.safetensors'):
    header, _ = st_header(p)
    for i, k in enumerate(sorted(k for k in header if k != '__metadata__')):
        out('ldm_key_map', 'key_%04d' % i, b'\x01\x03' + k.encode())

# --- LoRA: the fixture LoRAs cut to a few tensors (mode 0), their key names as lines (mode 1)
for p in fx('lora/**/*.safetensors'):
    if 'expected' in os.path.basename(p): continue
    out('lora', 'file_' + os.path.basename(os.path.dirname(p)) + '_' + os.path.basename(p), b'\x00' + st_small(p, 12, 8192))
    header, _ = st_header(p)
    lines = ['%s %s' % (k, 'x'.join(str(min(d, 16)) for d in v['shape'])) for k, v in sorted(header.items()) if k != '__metadata__']
    out('lora', 'keys_' + os.path.basename(p) + '.txt', b'\x01' + '\n'.join(lines[:48]).encode())
PY
for t in $targets; do
  printf '%-24s %5d seeds\n' "fuzz_$t" "$(ls "$corpus/fuzz_$t" | wc -l)"
done
