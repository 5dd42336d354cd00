# compat-hl-race.gdb: what a hung high-level server holds. Sourced by
# compat-hl-race.sh (gdb -p PID -batch -x THIS): every thread's stack,
# then every node of the layer's table with a tree lock or a waiting
# writer (found through the struct fuse of a thread in path_get or any
# frame that has f).
thread apply all bt
python
import gdb
f = None
for t in gdb.selected_inferior().threads():
    t.switch()
    fr = gdb.newest_frame()
    while fr is not None and f is None:
        try:
            v = fr.read_var('f')
            if str(v.type.strip_typedefs()) == 'struct fuse *' and int(v) != 0:
                f = v
        except Exception:
            pass
        fr = fr.older()
    if f is not None:
        break
if f is None:
    print('hl-nodes: no struct fuse in any frame')
else:
    ids = f['ids']
    print('hl-nodes: table of %d nodes' % int(ids['used']))
    for i in range(int(ids['size'])):
        n = ids['slot'][i]
        while int(n) != 0:
            if int(n['treelock']) != 0 or int(n['want_write']) != 0:
                name = n['name'].string() if int(n['name']) != 0 else '(no name)'
                par = int(n['parent']['ino']) if int(n['parent']) != 0 else 0
                print('hl-nodes: ino %d "%s" parent %d treelock %d want_write %d refs %d open %d hidden %d'
                      % (int(n['ino']), name, par, int(n['treelock']), int(n['want_write']),
                         int(n['refs']), int(n['open_count']), int(n['hidden'])))
            n = n['id_next']
end
