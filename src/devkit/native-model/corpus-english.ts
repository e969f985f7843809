/**
 * The English half of the fixed corpus: the words docstrings, comments and instructions are written
 * in. Common function words weigh most; technical prose words next; the general list last.
 */
import type { CorpusSection } from './corpus.js';

/** Function words: the most frequent words of any English text. */
const FUNCTION_WORDS =
  'the a an of to and or in on at by for with from into onto over under about above below between through during before ' +
  'after since until while if then else than that this these those there here which who whom whose what when where why how ' +
  'it its it\'s is are was were be been being am do does did done has have had having will would shall should can could may ' +
  'might must not no nor yes all any each every both either neither some many much more most less least few other another ' +
  'such only own same so too very just also even still yet again ever never always often once twice i you he she we they me ' +
  'him her us them my your his our their mine yours one two three four five six seven eight nine ten first second third ' +
  'because although though unless whether however therefore otherwise instead already almost rather quite else out up down ' +
  'off back away around along across against without within upon per via etc';

/** Words of technical prose: docstrings, comments, task descriptions. */
const TECHNICAL_PROSE =
  'returns return given given input output function method class object value values parameter parameters argument ' +
  'arguments optional required default defaults raises raise throws error errors exception exceptions invalid valid check ' +
  'checks whether true false none null empty list lists string strings integer integers number numbers float boolean ' +
  'dictionary mapping array arrays element elements item items key keys index indices length size count first last new ' +
  'create creates created update updates updated delete deletes deleted remove removes removed add adds added get gets set ' +
  'sets read reads write writes load loads save saves parse parses convert converts converted compute computes calculate ' +
  'calculates find finds found search searches sort sorts sorted filter filters filtered merge merges split splits join ' +
  'joins format formats formatted print prints display displays show shows generate generates generated build builds ' +
  'implement implements implementation program programs code coding python java javascript typescript golang ruby php rust ' +
  'write solution solve problem problems task tasks example examples test tests testing case cases edge instruction ' +
  'instructions question answer explain explanation describe description step steps algorithm algorithms complexity ' +
  'efficient performance memory time space linear recursive recursion iterative loop loops iterate iterates iteration ' +
  'condition conditions statement statements variable variables constant constants type types typed class classes ' +
  'instance instances attribute attributes property properties module modules package packages library libraries file ' +
  'files directory directories path paths line lines text character characters word words sentence user users data ' +
  'database table tables query queries request requests response responses server client network api endpoint endpoints ' +
  'http url json xml csv config configuration setting settings option options flag flags command commands argument ' +
  'support supports supported handle handles handled call calls called callback callbacks event events message messages ' +
  'log logs logging debug warning warnings info level levels status state states result results response output outputs ' +
  'current previous next start end begin begins beginning initial final order ordered reverse reversed unique duplicate ' +
  'duplicates missing exists exist contains contain containing include includes including exclude excludes match matches ' +
  'matching pattern patterns regular expression expressions replace replaces replaced character encoding decoding ' +
  'maximum minimum average total sum product difference divide multiply multiplied add subtract square root prime even odd ' +
  'positive negative zero integer decimal binary hexadecimal string substring prefix suffix palindrome anagram vowel ' +
  'vowels consonant uppercase lowercase whitespace punctuation digit digits letter letters matrix matrices grid graph ' +
  'tree trees node nodes edge edges vertex vertices path shortest longest distance weight cost price amount date time year ' +
  'month day hour minute second seconds timestamp format timezone calendar age name names email address phone account ' +
  'password login logout session token authentication authorization permission permissions role roles admin access ' +
  'cache cached caching queue stack heap hash hashing tree binary search sorted merge quick bubble insertion selection';

/** General English vocabulary. */
const GENERAL =
  'people person man woman child children world life way thing things place part parts group number point points fact ' +
  'hand hands eye eyes home house room school work works worked working company system systems program question ' +
  'government country city state states family friend friends business service services market money job jobs water ' +
  'food book books story stories game games student students teacher class area areas side kind head face mind body ' +
  'power change changes changed changing reason reasons idea ideas word information problem history level team report ' +
  'say says said make makes made making go goes went going know knows knew known take takes took taken taking see sees ' +
  'saw seen come comes came coming think thinks thought look looks looked looking want wants wanted give gives gave ' +
  'use uses used using tell tells told ask asks asked feel feels felt try tries tried trying leave leaves left keep ' +
  'keeps kept let lets begin seem seems seemed help helps helped helpful talk turn turns turned move moves moved live ' +
  'lives lived believe hold holds held bring brings brought happen happens happened provide provides provided ' +
  'sit stand lose loses lost pay pays paid meet meets meant run runs ran running play plays played playing learn ' +
  'learned learning understand understood lead leads led follow follows followed allow allows allowed open opens ' +
  'opened close closes closed stop stops stopped send sends sent receive receives received need needs needed ' +
  'good better best bad worse worst big bigger biggest small smaller smallest large larger largest long longer short ' +
  'shorter high higher low lower old young great little important simple simpler complex easy easier hard harder ' +
  'different similar same right wrong possible impossible able available common general specific special public ' +
  'private main major minor real true full free clear sure whole certain likely early late fast faster slow slower ' +
  'quick quickly simply easily directly actually usually really already finally probably especially exactly together ' +
  'today later now then soon well better ok okay please thanks thank note notes example sample samples test version ' +
  'value values level size type types kind form forms list record records model models view views area space range ' +
  'rate rates total score scores rank ranks order orders price prices cost costs product products customer customers ' +
  'item items inventory shop store cart payment payments invoice invoices shipping delivery stock stocks bank balance ' +
  'transaction transactions employee employees salary department manager project projects meeting schedule task list ' +
  'temperature weather city cities country countries population movie movies music song songs image images photo ' +
  'photos video videos color colors red green blue black white yellow text texts document documents page pages title ' +
  'author authors library libraries article articles post posts comment comments review reviews rating ratings';

/** Longer words with common stems and endings (-tion, -ment, -able, -ity, -ize, re-, un-, pre-). */
const DERIVED =
  'information application applications operation operations function functions condition conditions definition ' +
  'definitions exception collection collections connection connections transaction section sections position ' +
  'positions direction description solution solutions question questions action actions option selection validation ' +
  'conversion version versions expression permission extension execution registration notification authentication ' +
  'configuration initialization serialization optimization generation iteration recursion allocation declaration ' +
  'documentation implementation integration distribution calculation comparison combination translation addition ' +
  'subtraction multiplication division duplication intersection construction destruction instruction interaction ' +
  'development environment management statement statements argument arguments element elements document documents ' +
  'requirement requirements assignment increment decrement measurement movement payment equipment agreement ' +
  'available variable variables table tables readable writable callable iterable comparable serializable mutable ' +
  'immutable enumerable searchable sortable reusable scalable portable capable possible responsible reliable ' +
  'activity capacity quality quantity identity entity security priority property utility ability visibility ' +
  'complexity probability availability compatibility functionality accessibility reliability ' +
  'initialize normalize serialize optimize organize recognize authorize customize synchronize tokenize minimize ' +
  'maximize summarize visualize finalize localize sanitize categorize prioritize ' +
  'rebuild reload reopen rerun retry return reverse rewrite rename reorder repeat replace replay report represent ' +
  'request require reset resize resolve restore restart result retain retrieve reuse review revise ' +
  'undo unpack unknown unlock unsafe unused unsigned unsorted unexpected unsupported undefined uninstall unsubscribe ' +
  'preview prefix preload prepare preprocess preserve prevent previous precision predict prediction predicate ' +
  'process processor processing processed producer consumer container controller converter counter creator ' +
  'decorator delegate descriptor dispatcher emitter encoder decoder executor formatter generator handler iterator ' +
  'listener loader logger manager mapper observer parser printer reader writer renderer resolver scheduler ' +
  'serializer tokenizer transformer validator visitor wrapper adapter allocator analyzer builder checker collector ' +
  'compiler interpreter debugger profiler optimizer scanner selector sender receiver subscriber publisher';

/** More general vocabulary: science, everyday and business words that turn up in instructions. */
const GENERAL_MORE =
  'answer attempt balance base basic behavior benefit bill birth board border bottom box brain branch bread break ' +
  'bridge brother budget building button camera capital card care career carry case cat cell center century chain ' +
  'chair challenge chance chapter character charge chart check choice choose church circle claim clean client clock ' +
  'cloud club coach coast coffee cold college column combine comfort community compare computer concept concern ' +
  'contract control copy corner correct couple course court cover credit crime cross culture cup cycle damage dance ' +
  'danger dark daughter dead deal death decide decision deep degree demand design detail device dinner direct ' +
  'discover discuss disease doctor dog door double draw dream dress drink drive drop earth east economy edge ' +
  'education effect effort energy engine enjoy enter equal escape estimate evening evidence exam exercise expert ' +
  'express factor fail fall farm father fear field fight figure fill film find fine finger finish fire fish floor ' +
  'flower fly focus foot force forest forget fruit fuel fun future garden gas gift girl glass goal gold grade grass ' +
  'ground grow guess guest guide gun hair half hall happy hat heart heat heavy hill hit hole holiday horse hospital ' +
  'hotel human hundred husband ice identify image imagine impact improve increase industry inside island issue key ' +
  'kill king kitchen knowledge lake land language law lawyer layer leader leg lesson letter light limit link lion ' +
  'listen loan lock machine magazine mail maintain manage map mark marriage master material matter meal measure ' +
  'media medical member memory metal method middle mile milk million minister mirror miss mission mistake mix ' +
  'modern moment morning mother motor mountain mouse mouth nation nature neck network news newspaper night ' +
  'noise north nose novel nurse object ocean offer office officer oil operate opinion opportunity orange owner pack ' +
  'paint pair paper parent park partner party pass patient pattern peace pen pencil period phone physical piano pick ' +
  'picture piece pilot plan planet plant plastic plate player pocket poem police policy pool poor popular position ' +
  'pound practice prepare present president press pressure prevent print prison prize profit progress promise ' +
  'proof protect prove purpose push quarter queen race radio rain raise reach ready receive recent record reduce ' +
  'region relation remember rent repair reply research resource rest restaurant rice rich ride ring rise risk river ' +
  'road rock roof rule safe sale salt sand save scale scene science screen sea season seat secret sell sense ' +
  'series serve shape share sheet ship shirt shoe shoot shop shoulder sign signal silver sister skill skin sky sleep ' +
  'smile snow social soft soil soldier solve son sound soup south speak speed spend sport spring square staff stage ' +
  'star station step stone street strength stress strong structure study style subject success sugar suit summer ' +
  'sun supply surface survey swim symbol table target tax tea technology telephone television tennis term test ' +
  'theory ticket tool tooth topic tour town track trade traffic train travel treat tree trip truck trust truth ' +
  'uncle unit university vacation valley vehicle village visit voice volume vote wall war warm wash watch wave ' +
  'wealth wear week weight west wheel wife wind window wine winter wish wood worker writer yard zone';

/** The English sections of the corpus, heaviest first. */
export const ENGLISH_SECTIONS: readonly CorpusSection[] = [
  { name: 'function-words', weight: 10, words: FUNCTION_WORDS },
  { name: 'technical-prose', weight: 5, words: TECHNICAL_PROSE },
  { name: 'derived', weight: 3, words: DERIVED },
  { name: 'general', weight: 3, words: GENERAL },
  { name: 'general-more', weight: 2, words: GENERAL_MORE },
];
