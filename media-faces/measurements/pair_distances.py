# Pairs each variant of /work/faceref/out/pairs with its face in the demo photo and prints the
# distance summaries of decision 0028. Inputs: /tmp/photos.jsonl and /tmp/pairs.jsonl (probe find).

import json, math, itertools
def cos(a,b):
    na=math.sqrt(sum(x*x for x in a)); nb=math.sqrt(sum(x*x for x in b))
    return 1-sum(x*y for x,y in zip(a,b))/(na*nb)
def iou(a,b):
    ix=min(a[0]+a[2],b[0]+b[2])-max(a[0],b[0]); iy=min(a[1]+a[3],b[1]+b[3])-max(a[1],b[1])
    inter=max(ix,0)*max(iy,0); return inter/(a[2]*a[3]+b[2]*b[3]-inter)
ref=[json.loads(l) for l in open('/work/faceref/out/faceapi_ssd.jsonl')]
photos={json.loads(l)['file'].split('/')[-1]: json.loads(l) for l in open('/tmp/photos.jsonl')}
# map face-api face index K -> our face in the photo
ours={}
for r in ref:
    name=r['file'].split('/')[-1]; p=photos[name]
    for k,f in enumerate(r['faces']):
        best=max(p['faces'], key=lambda g: iou(g['box'], f['box']))
        assert iou(best['box'], f['box'])>0.5, (name,k)
        ours[(name,k)]=best
meta={json.loads(l)['file']: json.loads(l) for l in open('/work/faceref/out/pairs.jsonl')}
out={'same':{'upright':[], 'axis_aligned':[], 'flip':[]}, 'different':{'upright':[], 'axis_aligned':[], 'flip':[]}, 'missing':[]}
for l in open('/tmp/pairs.jsonl'):
    d=json.loads(l); name=d['file'].split('/')[-1]; m=meta[name]
    exp=m['expected_face_box']
    cand=[g for g in d['faces'] if iou(g['box'],exp)>0.3]
    if not cand: out['missing'].append(name); continue
    g=max(cand, key=lambda g: iou(g['box'],exp))
    o=ours[(m['source'], m['face'])]
    for kind,key in (('upright','descriptor'),('axis_aligned','descriptor_axis_aligned'),('flip','descriptor_flip')):
        out['same'][kind].append((name, m['variant'], round(cos(g[key], o[key]),4)))
for name in sorted(photos):
    faces=[ours[(name,k)] for k in range(len([1 for key in ours if key[0]==name]))]
    for i,j in itertools.combinations(range(len(faces)),2):
        for kind,key in (('upright','descriptor'),('axis_aligned','descriptor_axis_aligned'),('flip','descriptor_flip')):
            out['different'][kind].append((name,i,j, round(cos(faces[i][key], faces[j][key]),4)))
for kind in ('upright','axis_aligned','flip'):
    s=sorted(x[-1] for x in out['same'][kind]); d=sorted(x[-1] for x in out['different'][kind])
    print(kind, 'same n=%d min %.4f median %.4f max %.4f'%(len(s), s[0], s[len(s)//2], s[-1]), '| different n=%d min %.4f median %.4f max %.4f'%(len(d), d[0], d[len(d)//2], d[-1]), '| gap', round(d[0]-s[-1],4))
    print('  worst same', sorted(out['same'][kind], key=lambda x:-x[-1])[:4])
    print('  closest different', sorted(out['different'][kind], key=lambda x:x[-1])[:4])
    byv={}
    for n,v,c in out['same'][kind]: byv.setdefault(v,[]).append(c)
    print('  by variant max', {v: max(c) for v,c in byv.items()})
print('missing', out['missing'])
json.dump(out, open('/tmp/threshold_data.json','w'))
