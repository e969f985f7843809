/**
 * The programming half of the fixed corpus the native model's WordPiece vocabulary is trained on:
 * keywords, builtins and library names of the languages tidepool sees (Python, Java, JavaScript /
 * TypeScript, Go, PHP, Ruby, plus C, SQL and shell), and the parts identifiers are made of.
 * Editing a list changes the vocabulary and therefore the model (the pinned hash test says so).
 */
import type { CorpusSection } from './corpus.js';

/** Keywords and literals of the languages tidepool handles. */
const KEYWORDS =
  'def class return if elif else for while in not and or is none true false import from as with try except finally raise ' +
  'lambda yield pass break continue global nonlocal assert del async await self cls print len range public private protected ' +
  'static final void int long short byte char boolean double float new this super extends implements interface abstract ' +
  'package throws throw catch synchronized volatile transient native enum instanceof switch case default do goto const let ' +
  'var function typeof undefined null nil delete export require module exports prototype constructor arguments debugger ' +
  'func go chan select defer struct map type fallthrough range make append cap copy panic recover iota string rune error ' +
  'echo foreach endforeach endif elseif array isset unset empty namespace use trait fn match readonly include require_once ' +
  'end begin rescue ensure unless until then when puts require_relative attr_accessor attr_reader attr_writer lambda proc ' +
  'yield alias undef defined sizeof typedef unsigned signed register extern inline union include define ifdef ifndef endif ' +
  'select insert update delete where join left right inner outer group order by having limit offset values into create ' +
  'table drop alter index primary key foreign references not null unique distinct count sum avg min max between like ' +
  'fi esac done elif local export source sudo grep sed awk echo cat mkdir chmod curl wget bash shell';

/** Builtins, standard library and popular package names. */
const LIBRARY =
  'str dict list tuple set frozenset bytes bytearray object isinstance issubclass getattr setattr hasattr enumerate zip ' +
  'sorted reversed filter open format repr abs round pow divmod input iter next any all ord chr hex bin oct hash id vars ' +
  'dir callable staticmethod classmethod property dataclass dataclasses typing optional union callable iterable iterator ' +
  'generator coroutine asyncio threading multiprocessing subprocess collections defaultdict counter ordereddict deque ' +
  'itertools functools partial reduce os sys re json csv math random datetime time pathlib logging argparse unittest pytest ' +
  'numpy pandas torch tensor dataframe series matplotlib pyplot scipy sklearn requests flask django fastapi pydantic sqlalchemy ' +
  'console log warn info debug trace document window fetch promise resolve reject then async settimeout setinterval ' +
  'json parse stringify object keys values entries assign freeze math floor ceil random number parseint parsefloat isnan ' +
  'array push pop shift unshift slice splice concat indexof includes foreach reduce some every find findindex flat flatmap ' +
  'react component usestate useeffect props state render jsx node npm express router middleware axios lodash vue angular ' +
  'system out println printf string builder stringbuilder arraylist hashmap hashset linkedlist treemap integer optional stream ' +
  'collectors override nullpointerexception illegalargumentexception runtimeexception ioexception exception thread runnable ' +
  'executor future completablefuture spring autowired bean controller service repository entity junit assertequals mockito ' +
  'fmt sprintf errorf println ctx context http handlefunc listenandserve ioutil bufio strconv strings bytes sync mutex waitgroup ' +
  'goroutine json marshal unmarshal testing errors nil len cap os args flag ' +
  'strlen strpos substr str_replace explode implode array_map array_filter array_keys array_merge count in_array json_encode ' +
  'json_decode var_dump isset preg_match sprintf laravel symfony eloquent artisan composer ' +
  'rails gem bundle rake rspec activerecord initialize each map select reject inject collect each_with_index to_s to_i to_a ' +
  'symbol hash nil empty present blank freeze dup clone respond_to send ' +
  'malloc free calloc realloc printf scanf fprintf stdin stdout stderr memcpy memset strcpy strcmp fopen fclose ' +
  'http https url uri api rest graphql grpc sql nosql redis postgres mysql sqlite mongodb kafka docker kubernetes yaml toml xml ' +
  'html css dom svg utf ascii unicode regex regexp uuid sha md5 base64 jwt oauth tcp udp ip dns ssl tls cpu gpu ram io';

/** Verbs identifiers start with; also compounded with {@link NOUNS} so their ## forms are learned. */
export const VERBS =
  'get set is has can should add remove create update delete find fetch load save read write parse build make init reset ' +
  'start stop run open close send receive handle process validate check compute calculate convert format render resolve ' +
  'register apply merge split filter sort normalize encode decode serialize deserialize compare copy clone clear count ' +
  'insert append extend push pop emit dispatch notify subscribe publish listen connect disconnect bind call invoke execute ' +
  'wrap unwrap map reduce collect group join select transform generate create destroy dispose allocate release lock unlock ' +
  'acquire wait sleep retry schedule cancel enable disable show hide toggle mount unmount refresh sync flush commit rollback ' +
  'lookup scan match replace trim strip pad print log trace assert expect test mock patch inject configure setup teardown';

/** Nouns identifiers are made of. */
export const NOUNS =
  'name value id key type data item items list array map dict set node tree graph edge vertex path file dir directory line ' +
  'text string char word token number count size length index offset position start end first last next prev previous ' +
  'current parent child children root leaf head tail left right top bottom width height x y z min max sum total average ' +
  'result results response request message event error errors exception status code state config settings options option ' +
  'param params args argument arguments flag flags mode level user users account session password email address phone ' +
  'client server host port url route handler callback listener context env environment cache buffer stream queue stack ' +
  'heap pool thread task job worker process timer timeout interval date time timestamp duration delay retry attempt ' +
  'table row rows column columns field fields record records entry entries schema model view controller service provider ' +
  'factory builder manager helper util utils registry repository store storage database db query filter sort order page ' +
  'limit batch chunk block frame packet header body content payload input output source target dest destination src ' +
  'image color font style label title description summary comment note tag tags version release module plugin component ' +
  'element attribute property properties method function class object instance interface prototype template format pattern ' +
  'matrix vector point points distance weight weights score scores rank label labels sample samples feature features';

/** Adjectives and qualifiers. */
export const ADJECTIVES =
  'new old default current active pending raw cached local remote global public private internal external valid invalid ' +
  'empty full open closed enabled disabled visible hidden async sync base abstract final static dynamic mutable immutable ' +
  'unique primary secondary temp temporary tmp max min total partial complete initial original normalized sorted filtered';

/** Numbers that show up in code: small integers, powers of two, HTTP statuses. */
const NUMBERS =
  '0 1 2 3 4 5 6 7 8 9 10 11 12 16 20 24 25 30 32 42 50 60 64 100 128 200 201 204 255 256 301 302 400 401 403 404 409 ' +
  '500 502 503 512 1000 1024 2048 4096 8080 8000 3000 5000 65535 2020 2021 2022 2023 2024 0x 0b 1e 1f ff';

/** The programming sections of the corpus, heaviest first. */
export const CODE_SECTIONS: readonly CorpusSection[] = [
  { name: 'keywords', weight: 12, words: KEYWORDS },
  { name: 'library', weight: 6, words: LIBRARY },
  { name: 'verbs', weight: 6, words: VERBS },
  { name: 'nouns', weight: 6, words: NOUNS },
  { name: 'adjectives', weight: 4, words: ADJECTIVES },
  { name: 'numbers', weight: 4, words: NUMBERS },
];
