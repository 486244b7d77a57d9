#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (tests/fuzz/README.md), derived from the real files in
the shared data folder: small GGUF files cut from the stories260K goldens (their metadata,
tokenizer arrays shortened, and a few tensors with their real bytes), one GGUF per tensor
type, safetensors, imatrix (.dat and GGUF), scorecard and evaluation-set files.

    tests/fuzz/make_seeds.py OUT_DIR [DATA_DIR]

Writes OUT_DIR/{gguf,safetensors,imatrix,score,eval_set}/. Nothing is written into the repository.
"""
import os, struct, json, random, sys
OUT = sys.argv[1]
D = sys.argv[2] if len(sys.argv) > 2 else os.environ.get(
    'QUANTLENS_DATA', os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data'))
random.seed(1)

def put(kind, name, data):
    d = os.path.join(OUT, kind); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), 'wb').write(data)

# ---- GGUF parsing of the real goldens --------------------------------------------------
def rd_str(b, o):
    n = struct.unpack_from('<Q', b, o)[0]; return b[o+8:o+8+n], o+8+n
SCAL = {0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'B',10:'Q',11:'q',12:'d'}
def rd_val(b, o, t):
    if t in SCAL:
        f = '<'+SCAL[t]; return (t, struct.unpack_from(f, b, o)[0]), o+struct.calcsize(f)
    if t == 8:
        s, o = rd_str(b, o); return (8, s), o
    et, n = struct.unpack_from('<IQ', b, o); o += 12
    items = []
    for _ in range(n):
        v, o = rd_val(b, o, et); items.append(v)
    return (9, (et, items)), o
def parse(b):
    _, ver, nt, nkv = struct.unpack_from('<IIQQ', b, 0); o = 24
    kv = []
    for _ in range(nkv):
        k, o = rd_str(b, o); t = struct.unpack_from('<I', b, o)[0]; o += 4
        v, o = rd_val(b, o, t); kv.append((k, v))
    ts = []
    for _ in range(nt):
        name, o = rd_str(b, o); nd = struct.unpack_from('<I', b, o)[0]; o += 4
        ne = struct.unpack_from('<%dq' % nd, b, o); o += 8*nd
        typ, off = struct.unpack_from('<IQ', b, o); o += 12
        ts.append([name, ne, typ, off])
    align = 32
    ds = (o + align - 1) // align * align
    return kv, ts, ds
# bytes per block, elements per block
BLK = {0:(4,1),1:(2,1),30:(2,1),2:(18,32),3:(20,32),6:(22,32),7:(24,32),8:(34,32),
       10:(84,256),11:(110,256),12:(144,256),13:(176,256),14:(210,256),20:(18,32)}
def nbytes(ne, typ):
    n = 1
    for x in ne: n *= x
    bb, be = BLK[typ]; return n // be * bb

def w_str(s): return struct.pack('<Q', len(s)) + s
def w_val(v):
    t, x = v
    if t in SCAL: return struct.pack('<'+SCAL[t], x)
    if t == 8: return w_str(x)
    et, items = x
    return struct.pack('<IQ', et, len(items)) + b''.join(w_val(i) for i in items)
def write(kv, tensors, align=32):
    # tensors: (name, ne, typ, data)
    h = b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(kv))
    for k, v in kv: h += w_str(k) + struct.pack('<I', v[0]) + w_val(v)
    off = 0; infos = b''; blobs = b''
    for name, ne, typ, data in tensors:
        infos += w_str(name) + struct.pack('<I', len(ne)) + struct.pack('<%dq' % len(ne), *ne) + struct.pack('<IQ', typ, off)
        pad = (len(data) + align - 1) // align * align
        blobs += data + b'\0' * (pad - len(data)); off += pad
    h += infos
    h += b'\0' * ((len(h) + align - 1) // align * align - len(h))
    return h + blobs

def shrink_kv(kv, keep=6):
    out = []
    for k, v in kv:
        if v[0] == 9:
            et, items = v[1]; v = (9, (et, items[:keep]))
        out.append((k, v))
    return out

for q in ['Q4_0', 'Q4_1', 'Q4_K_M', 'Q5_0', 'Q8_0']:
    b = open(f'{D}/golden/stories260K-{q}.gguf', 'rb').read()
    kv, ts, ds = parse(b)
    kv = shrink_kv(kv)
    # a few tensors of each type the file holds, with their real bytes
    seen = {}; pick = []
    for name, ne, typ, off in ts:
        if seen.get(typ, 0) < 2 and nbytes(ne, typ) <= 12000:
            seen[typ] = seen.get(typ, 0) + 1
            pick.append((name, list(ne), typ, b[ds+off:ds+off+nbytes(ne, typ)]))
    put('gguf', f'stories-{q}.gguf', write(kv, pick))
    put('gguf', f'stories-{q}-meta-only.gguf', write(kv, []))
# hand-made small ones: every readable type, one tensor each
import array
def f32(vals): return struct.pack('<%df' % len(vals), *vals)
kvs = [(b'general.architecture', (8, b'llama')), (b'general.alignment', (4, 32)),
       (b'llama.block_count', (4, 1)), (b'llama.attention.head_count', (4, 2)),
       (b'llama.embedding_length', (4, 64)), (b'nested', (9, (9, [(9, (4, [(4, 1), (4, 2)]))])))]
types = [(0, 4), (1, 2), (30, 2), (2, 18), (3, 20), (6, 22), (7, 24), (8, 34), (10, 84), (11, 110),
         (12, 144), (13, 176), (14, 210), (20, 18)]
for typ, bb in types:
    be = BLK[typ][1]
    data = bytes(random.getrandbits(8) for _ in range(bb * (2 if be > 1 else 64)))
    ne = [be, 2] if be > 1 else [64, 1]
    put('gguf', f'type{typ}.gguf', write(kvs, [(b'blk.0.w', ne, typ, data)]))

# ---- safetensors -----------------------------------------------------------------------
def st(tensors, meta=None):
    hdr = {}; off = 0; blob = b''
    for name, dt, shape, data in tensors:
        hdr[name] = {'dtype': dt, 'shape': shape, 'data_offsets': [off, off + len(data)]}
        off += len(data); blob += data
    if meta is not None: hdr['__metadata__'] = meta
    h = json.dumps(hdr).encode()
    return struct.pack('<Q', len(h)) + h + blob
real = open(f'{D}/golden/quant/real_attn_q.f32', 'rb').read()[:256]
put('safetensors', 'f32.safetensors', st([('model.layers.0.self_attn.q_proj.weight', 'F32', [4, 16], real)], {'format': 'pt'}))
put('safetensors', 'mixed.safetensors', st([('a', 'F16', [2, 8], real[:32]), ('b', 'BF16', [16], real[32:64]),
                                            ('c', 'F32', [], real[:4]), ('model.embed_tokens.weight', 'F32', [2, 2], real[:16])]))
put('safetensors', 'empty.safetensors', st([], {'k': 'v'}))

# ---- imatrix: legacy .dat and GGUF -----------------------------------------------------
imx = open(f'{D}/golden/quant/gauss.imatrix.f32', 'rb').read()
def legacy(entries, trailer=True):
    b = struct.pack('<i', len(entries))
    for name, ncall, vals in entries:
        b += struct.pack('<i', len(name)) + name + struct.pack('<ii', ncall, len(vals) // 4) + vals
    if trailer: b += struct.pack('<ii', 10, 8) + b'wiki.txt'
    return b
put('imatrix', 'legacy.dat', legacy([(b'blk.0.attn_q.weight', 10, imx[:256]), (b'blk.0.ffn_up.weight', 3, imx[256:512])]))
put('imatrix', 'legacy-notrailer.dat', legacy([(b'output.weight', 1, imx[:64])], False))
ikv = [(b'general.type', (8, b'imatrix')), (b'imatrix.datasets', (9, (8, [(8, b'wiki.txt')]))),
       (b'imatrix.chunk_count', (4, 10)), (b'imatrix.chunk_size', (4, 512))]
put('imatrix', 'imatrix.gguf', write(ikv, [
    (b'blk.0.attn_q.weight.in_sum2', [64, 1], 0, imx[:256]), (b'blk.0.attn_q.weight.counts', [1, 1], 0, f32([5.0])),
    (b'blk.0.ffn_up_exps.weight.in_sum2', [16, 2], 0, imx[:128]), (b'blk.0.ffn_up_exps.weight.counts', [1, 2], 0, f32([3.0, 0.0]))]))

# ---- score importers (first byte: 0 results.json, 1 .csv, 2 .jsonl) ----------------------
for f, sel in [('autoround_gguf_per_task_acc.csv', 1 + 3 * 1),
               ('vllm_gsm8k_precision_variants.csv', 1 + 3 * 2),
               ('autoround_paper_methods_per_task_acc.csv', 1 + 3 * 3)]:
    lines = open(f'{D}/scorecards/{f}', 'rb').read().split(b'\n')
    put('score', f, bytes([sel]) + b'\n'.join(lines[:25]) + b'\n')
put('score', 'long.jsonl', b'\x02' + b'\n'.join(json.dumps(r).encode() for r in [
    {'variant': 'fp16', 'slice': 'gsm8k', 'dimension': 'acc', 'score': 0.5, 'n': 100, 'example_id': 'a'},
    {'variant': 'int8', 'slice': 'gsm8k', 'dimension': 'acc', 'score': 0.4, 'n': 100, 'example_id': 'a'}]) + b'\n')
res = {'results': {'arc_easy': {'alias': 'arc_easy', 'acc,none': 0.75, 'acc_stderr,none': 0.01,
                                'acc_norm,none': 0.7},
                   'mmlu': {'acc,none': 0.6, 'acc_stderr,none': 'N/A'}, 'mmlu_stem': {'acc,none': 0.5}},
       'groups': {'mmlu': {'acc,none': 0.6}},
       'group_subtasks': {'mmlu': ['mmlu_stem'], 'mmlu_stem': ['arc_easy']},
       'versions': {'arc_easy': 1.0, 'mmlu': '2'}, 'n-shot': {'arc_easy': 0},
       'n-samples': {'arc_easy': {'original': 2376, 'effective': 100}},
       'config': {'model': 'hf', 'model_args': 'pretrained=org/model,dtype=bf16', 'limit': 100},
       'lm_eval_version': '0.4.2', 'model_name': 'x'}
samples = '\n'.join(json.dumps(s) for s in [{'doc_id': 0, 'filter': 'none', 'acc': 1.0, 'acc_norm': 0.0},
                                           {'doc_id': 'b', 'acc': 0.0}])
# The first byte selects the kind (0: lm-eval) and bit 7 a given variant name; a NUL
# separates results from the samples file (score_import_fuzz.cpp).
put('score', 'lmeval.json', b'\x00' + json.dumps(res).encode())
put('score', 'lmeval-samples.json', b'\x00' + json.dumps(res).encode() + b'\0' + samples.encode() + b'\n')
del res['model_name']
put('score', 'lmeval-noname.json', b'\x00' + json.dumps(res).encode())

# ---- evaluation sets (first byte: even JSONL, odd separated text) -------------------------
rows = [{'id': 1, 'text': 'Once upon a time', 'slice': 'stories', 'dimension': 'ppl'},
        {'id': 'b', 'text': 'x', 'slice': ['a', 'b']}, {'text': 'no id'}]
put('eval_set', 'set.jsonl', b'\x00' + '\n'.join(json.dumps(r) for r in rows).encode() + b'\n')
put('eval_set', 'set.txt', b'\x01' + open(f'{D}/text/tinystories_valid_1-500.txt', 'rb').read()[:3000])
