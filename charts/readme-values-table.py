#!/usr/bin/env python3
# Regenerates the values table in charts/flycast/README.md from the comments and defaults in
# values.yaml (HelmChartE2E checks they agree). Needs PyYAML. Run from anywhere.
import os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "flycast"))
import re, json, yaml
lines=open('values.yaml').read().splitlines()
stack=[]; comment=[]; rows=[]
free={"podSecurityContext","securityContext","resources","livenessProbe","readinessProbe","startupProbe"}
skip=None
for ln in lines:
    if not ln.strip(): comment=[]; continue
    s=ln.strip(); ind=len(ln)-len(ln.lstrip())
    if skip is not None:
        if ind>skip: continue
        skip=None
    if s.startswith('#'):
        c=s.lstrip('#').strip()
        if c.startswith('-- '): c=c[3:]
        comment.append(c); continue
    if s.startswith('- '): continue
    m=re.match(r'([A-Za-z0-9_]+):\s*(.*)$', s)
    if not m: continue
    key,val=m.groups()
    while stack and stack[-1][0]>=ind: stack.pop()
    path='.'.join([k for _,k in stack]+[key])
    if val=='':
        if path in free or path=='topologySpreadConstraints':
            rows.append((path,' '.join(comment))); skip=ind
        else: stack.append((ind,key))
        comment=[]; continue
    rows.append((path,' '.join(comment))); comment=[]
v=yaml.safe_load(open('values.yaml'))
def get(p):
    o=v
    for k in p.split('.'): o=o[k]
    return o
out=[]
for p,c in rows:
    c=c.replace('|','\\|').replace('<','&lt;').replace('>','&gt;')
    out.append(f"| `{p}` | `{json.dumps(get(p))}` | {c} |")
table="\n".join(out)+"\n"
r=open('README.md').read()
head="| Key | Default | Description |\n|---|---|---|\n"
a=r.index(head)+len(head); b=r.index("\n## Development")
r=r[:a]+table+r[b:]
open('README.md','w').write(r)
print(len(rows))
