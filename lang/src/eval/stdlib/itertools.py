# itertools, as configs use it. Results are lists (the sandbox materializes iterators), so the
# infinite ones (count, cycle, repeat without times) are not offered.


class chain(object):
    def __init__(self, *iterables):
        self._items = [x for it in iterables for x in it]

    def __iter__(self):
        return list(self._items)

    from_iterable = staticmethod(lambda iterables: chain(*[it for it in iterables]))


def izip(*iterables):
    return zip(*iterables)


def imap(function, *iterables):
    return map(function, *iterables)


def ifilter(predicate, iterable):
    return filter(predicate, list(iterable))


def ifilterfalse(predicate, iterable):
    if predicate is None:
        return [x for x in iterable if not x]
    return [x for x in iterable if not predicate(x)]


def starmap(function, iterable):
    return [function(*args) for args in iterable]


def izip_longest(*iterables, **kwargs):
    fillvalue = kwargs.pop('fillvalue', None)
    if kwargs:
        raise TypeError("izip_longest() got an unexpected keyword argument '%s'" % kwargs.keys()[0])
    lists = [list(it) for it in iterables]
    n = max([len(l) for l in lists] + [0])
    return [tuple([l[i] if i < len(l) else fillvalue for l in lists]) for i in range(n)]


def islice(iterable, *args):
    if len(args) == 1:
        start, stop, step = 0, args[0], 1
    elif len(args) == 2:
        start, stop, step = args[0], args[1], 1
    elif len(args) == 3:
        start, stop, step = args
    else:
        raise TypeError('islice expected 2 to 4 arguments, got %d' % (len(args) + 1))
    if start is None:
        start = 0
    if step is None:
        step = 1
    if start < 0 or (stop is not None and stop < 0) or step < 1:
        raise ValueError('Indices for islice() must be None or an integer: 0 <= x <= maxint.')
    return list(iterable)[start:stop:step]


def repeat(object, times):
    return [object] * times


def takewhile(predicate, iterable):
    out = []
    for x in iterable:
        if not predicate(x):
            break
        out.append(x)
    return out


def dropwhile(predicate, iterable):
    out = []
    dropping = True
    for x in iterable:
        if dropping and predicate(x):
            continue
        dropping = False
        out.append(x)
    return out


def groupby(iterable, key=None):
    out = []
    for x in iterable:
        k = x if key is None else key(x)
        if out and out[-1][0] == k:
            out[-1][1].append(x)
        else:
            out.append((k, [x]))
    return out


def tee(iterable, n=2):
    items = list(iterable)
    return tuple([list(items) for i in range(n)])


def product(*iterables, **kwargs):
    repeat = kwargs.pop('repeat', 1)
    if kwargs:
        raise TypeError("product() got an unexpected keyword argument '%s'" % kwargs.keys()[0])
    pools = [tuple(it) for it in iterables] * repeat
    result = [()]
    for pool in pools:
        result = [r + (y,) for r in result for y in pool]
    return result


def permutations(iterable, r=None):
    pool = tuple(iterable)
    n = len(pool)
    if r is None:
        r = n
    if r > n:
        return []
    out = []

    def extend(prefix, left):
        if len(prefix) == r:
            out.append(tuple([pool[i] for i in prefix]))
            return
        for i in left:
            extend(prefix + [i], [j for j in left if j != i])

    extend([], range(n))
    return out


def combinations(iterable, r):
    pool = tuple(iterable)
    n = len(pool)
    out = []

    def extend(prefix, start):
        if len(prefix) == r:
            out.append(tuple([pool[i] for i in prefix]))
            return
        for i in range(start, n):
            extend(prefix + [i], i + 1)

    if r <= n:
        extend([], 0)
    return out


def combinations_with_replacement(iterable, r):
    pool = tuple(iterable)
    n = len(pool)
    out = []

    def extend(prefix, start):
        if len(prefix) == r:
            out.append(tuple([pool[i] for i in prefix]))
            return
        for i in range(start, n):
            extend(prefix + [i], i)

    if n or not r:
        extend([], 0)
    return out


def compress(data, selectors):
    return [d for d, s in zip(data, selectors) if s]
