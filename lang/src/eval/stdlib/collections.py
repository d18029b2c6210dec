# collections, as configs use it. Iterators are lists here (the sandbox materializes them).


class OrderedDict(object):
    def __init__(self, *args, **kwargs):
        self._d = {}
        self._keys = []
        self.update(*args, **kwargs)

    def update(self, *args, **kwargs):
        if len(args) > 1:
            raise TypeError('update expected at most 1 arguments, got %d' % len(args))
        if args:
            other = args[0]
            if hasattr(other, 'keys'):
                for k in other.keys():
                    self[k] = other[k]
            else:
                for k, v in other:
                    self[k] = v
        for k in sorted(kwargs.keys()):
            self[k] = kwargs[k]

    def __getitem__(self, key):
        return self._d[key]

    def __setitem__(self, key, value):
        if key not in self._d:
            self._keys.append(key)
        self._d[key] = value

    def __delitem__(self, key):
        del self._d[key]
        self._keys.remove(key)

    def __contains__(self, key):
        return key in self._d

    def has_key(self, key):
        return key in self._d

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return list(self._keys)

    def __eq__(self, other):
        if isinstance(other, OrderedDict):
            return self.items() == other.items()
        return self._d == other

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self._d[k] for k in self._keys]

    def items(self):
        return [(k, self._d[k]) for k in self._keys]

    def iterkeys(self):
        return self.keys()

    def itervalues(self):
        return self.values()

    def iteritems(self):
        return self.items()

    def get(self, key, default=None):
        return self._d.get(key, default)

    def setdefault(self, key, default=None):
        if key not in self._d:
            self[key] = default
        return self._d[key]

    def pop(self, key, *default):
        if key in self._d:
            v = self._d[key]
            del self[key]
            return v
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self, last=True):
        if not self._keys:
            raise KeyError('dictionary is empty')
        k = self._keys[-1] if last else self._keys[0]
        return (k, self.pop(k))

    def copy(self):
        return OrderedDict(self.items())

    def clear(self):
        self._d = {}
        self._keys = []

    def __repr__(self):
        if not self._keys:
            return 'OrderedDict()'
        return 'OrderedDict(%r)' % (self.items(),)


class defaultdict(object):
    def __init__(self, default_factory=None, *args, **kwargs):
        if default_factory is not None and not callable(default_factory):
            raise TypeError('first argument must be callable')
        self.default_factory = default_factory
        self._d = dict(*args, **kwargs)

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        value = self.default_factory()
        self._d[key] = value
        return value

    def __getitem__(self, key):
        if key in self._d:
            return self._d[key]
        return self.__missing__(key)

    def __setitem__(self, key, value):
        self._d[key] = value

    def __delitem__(self, key):
        del self._d[key]

    def __contains__(self, key):
        return key in self._d

    def has_key(self, key):
        return key in self._d

    def __len__(self):
        return len(self._d)

    def __iter__(self):
        return self._d.keys()

    def __eq__(self, other):
        if isinstance(other, defaultdict):
            return self._d == other._d
        return self._d == other

    def keys(self):
        return self._d.keys()

    def values(self):
        return self._d.values()

    def items(self):
        return self._d.items()

    def iterkeys(self):
        return self._d.keys()

    def itervalues(self):
        return self._d.values()

    def iteritems(self):
        return self._d.items()

    def get(self, key, default=None):
        return self._d.get(key, default)

    def setdefault(self, key, default=None):
        return self._d.setdefault(key, default)

    def pop(self, key, *default):
        return self._d.pop(key, *default)

    def update(self, *args, **kwargs):
        self._d.update(*args, **kwargs)

    def copy(self):
        return defaultdict(self.default_factory, self._d)

    def clear(self):
        self._d.clear()

    def __repr__(self):
        return 'defaultdict(%r, %r)' % (self.default_factory, self._d)


class Counter(object):
    def __init__(self, iterable=None, **kwargs):
        self._d = {}
        self.update(iterable, **kwargs)

    def update(self, iterable=None, **kwargs):
        if iterable is not None:
            if hasattr(iterable, 'keys'):
                for k in iterable.keys():
                    self._d[k] = self._d.get(k, 0) + iterable[k]
            else:
                for k in iterable:
                    self._d[k] = self._d.get(k, 0) + 1
        for k in sorted(kwargs.keys()):
            self._d[k] = self._d.get(k, 0) + kwargs[k]

    def subtract(self, iterable=None, **kwargs):
        if iterable is not None:
            if hasattr(iterable, 'keys'):
                for k in iterable.keys():
                    self._d[k] = self._d.get(k, 0) - iterable[k]
            else:
                for k in iterable:
                    self._d[k] = self._d.get(k, 0) - 1
        for k in sorted(kwargs.keys()):
            self._d[k] = self._d.get(k, 0) - kwargs[k]

    def __getitem__(self, key):
        return self._d.get(key, 0)

    def __setitem__(self, key, value):
        self._d[key] = value

    def __delitem__(self, key):
        if key in self._d:
            del self._d[key]

    def __contains__(self, key):
        return key in self._d

    def has_key(self, key):
        return key in self._d

    def __len__(self):
        return len(self._d)

    def __iter__(self):
        return self._d.keys()

    def __eq__(self, other):
        if isinstance(other, Counter):
            return self._d == other._d
        return self._d == other

    def keys(self):
        return self._d.keys()

    def values(self):
        return self._d.values()

    def items(self):
        return self._d.items()

    def iteritems(self):
        return self._d.items()

    def get(self, key, default=None):
        return self._d.get(key, default)

    def most_common(self, n=None):
        # sorted() is stable, so equal counts keep the dict's order, as in Python 2.7.
        ranked = sorted(self._d.items(), key=lambda kv: kv[1], reverse=True)
        if n is None:
            return ranked
        return ranked[:n]

    def elements(self):
        out = []
        for k, v in self._d.items():
            out.extend([k] * v)
        return out

    def copy(self):
        return Counter(self._d)

    def __add__(self, other):
        out = Counter()
        for k in self._d.keys() + [k for k in other.keys() if k not in self._d]:
            v = self[k] + other[k]
            if v > 0:
                out[k] = v
        return out

    def __sub__(self, other):
        out = Counter()
        for k in self._d.keys():
            v = self[k] - other[k]
            if v > 0:
                out[k] = v
        return out

    def __repr__(self):
        if not self._d:
            return 'Counter()'
        return 'Counter({%s})' % ', '.join(['%r: %r' % kv for kv in self.most_common()])


class deque(object):
    def __init__(self, iterable=(), maxlen=None):
        self.maxlen = maxlen
        self._items = []
        self.extend(iterable)

    def _trim_right(self):
        if self.maxlen is not None and len(self._items) > self.maxlen:
            self._items = self._items[len(self._items) - self.maxlen:]

    def _trim_left(self):
        if self.maxlen is not None and len(self._items) > self.maxlen:
            self._items = self._items[:self.maxlen]

    def append(self, x):
        self._items.append(x)
        self._trim_right()

    def appendleft(self, x):
        self._items.insert(0, x)
        self._trim_left()

    def extend(self, iterable):
        for x in iterable:
            self.append(x)

    def extendleft(self, iterable):
        for x in iterable:
            self.appendleft(x)

    def pop(self):
        if not self._items:
            raise IndexError('pop from an empty deque')
        return self._items.pop()

    def popleft(self):
        if not self._items:
            raise IndexError('pop from an empty deque')
        return self._items.pop(0)

    def rotate(self, n=1):
        if self._items:
            n = n % len(self._items)
            self._items = self._items[-n:] + self._items[:-n]

    def clear(self):
        self._items = []

    def count(self, x):
        return self._items.count(x)

    def remove(self, x):
        self._items.remove(x)

    def reverse(self):
        self._items.reverse()

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return list(self._items)

    def __getitem__(self, i):
        return self._items[i]

    def __setitem__(self, i, x):
        self._items[i] = x

    def __contains__(self, x):
        return x in self._items

    def __eq__(self, other):
        return isinstance(other, deque) and self._items == other._items

    def __repr__(self):
        if self.maxlen is None:
            return 'deque(%r)' % (self._items,)
        return 'deque(%r, maxlen=%d)' % (self._items, self.maxlen)


def namedtuple(typename, field_names, verbose=False, rename=False):
    if isinstance(field_names, basestring):
        field_names = field_names.replace(',', ' ').split()
    fields = tuple([str(f) for f in field_names])
    for f in fields:
        if f.startswith('_'):
            raise ValueError('Field names cannot start with an underscore: %r' % f)
    if len(set(fields)) != len(fields):
        raise ValueError('Encountered duplicate field name')

    class _NamedTuple(object):
        _fields = fields
        _typename = typename

        def __init__(self, *args, **kwargs):
            if len(args) > len(self._fields):
                raise TypeError('__new__() takes %d arguments (%d given)' % (len(self._fields) + 1, len(args) + 1))
            values = list(args)
            for f in self._fields[len(args):]:
                if f not in kwargs:
                    raise TypeError('__new__() takes exactly %d arguments (%d given)' % (len(self._fields) + 1, len(args) + len(kwargs) + 1))
                values.append(kwargs.pop(f))
            if kwargs:
                raise TypeError("__new__() got an unexpected keyword argument '%s'" % sorted(kwargs.keys())[0])
            self._values = tuple(values)
            for f, v in zip(self._fields, values):
                setattr(self, f, v)

        def __getitem__(self, i):
            return self._values[i]

        def __iter__(self):
            return list(self._values)

        def __len__(self):
            return len(self._values)

        def __eq__(self, other):
            if hasattr(other, '_values'):
                return self._values == other._values
            return self._values == other

        def __lt__(self, other):
            if hasattr(other, '_values'):
                return self._values < other._values
            return self._values < other

        def _asdict(self):
            return OrderedDict(zip(self._fields, self._values))

        def _replace(self, **kwargs):
            values = [kwargs.pop(f, v) for f, v in zip(self._fields, self._values)]
            if kwargs:
                raise ValueError('Got unexpected field names: %r' % kwargs.keys())
            return self.__class__(*values)

        def __repr__(self):
            return '%s(%s)' % (self._typename, ', '.join(['%s=%r' % (f, v) for f, v in zip(self._fields, self._values)]))

    return _NamedTuple
